"""How training time grows with the work: the seed MLP at widths 128, 512, 2048 and batch sizes
32, 128, 1024, for Ember `fit`, PyTorch's hand loop and the hand-written NumPy floor.

The model is the seed's MLP with its hidden width scaled: 784 -> Dense W relu -> Dropout 0.3 ->
Dense W/2 relu -> Dropout 0.3 -> Dense 10 softmax, Adam (lr 1e-3, epsilon 1e-7), sparse
categorical cross-entropy; W = 128 is the seed's own MLP. Each cell (W, B) is timed as
seconds per training step over a run of steps (Ember: `fit(epochs=1, verbose=0)`, with the
loss and accuracy it keeps; PyTorch: the hand loop over preloaded tensors, one randperm per
pass; NumPy: `mlp_numpy.NumpyMLP.fit_epoch`). The data are synthetic (uniform [0, 1) images,
random labels): time does not depend on the values. Small cells show Ember's per-op overhead
against PyTorch's and the floor's; large ones show where BLAS's arithmetic takes over.

Each framework runs in its own child process per round (the order rotating each round), each
cell is the median of its repeats, and each figure the median over rounds. Wall time and the
CPU time of the child's threads (`resource.getrusage`) are both reported: on a shared machine
the CPU-time ratios are steadier. Threads are left at each framework's default (Ember's BLAS
thread policy, torch's intra-op threads, NumPy's BLAS threads) and recorded, unless
``--threads N`` sets every child's thread variables (OMP/OpenBLAS/MKL) to N, as
`cnn_run.py --threads` does: on a busy 2-core machine the peers' two-thread defaults
collapse (see contention.py), and `--threads 1` compares the arithmetic, not the collapse.

    python benchmarks/scaling.py [--rounds 3] [--only ember,torch,numpy] [--threads N] [--quick]

Writes results/scaling.json and results/scaling.md; `run.py` runs it as the `scaling` section.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(BENCH_DIR))

import harness  # noqa: E402  (the benchmarks folder is not a package)

FRAMEWORKS = ("ember", "torch", "numpy")
NAMES = {"ember": "Ember `fit`", "torch": "PyTorch hand loop", "numpy": "NumPy floor"}
WIDTHS = (128, 512, 2048)
BATCHES = (32, 128, 1024)
RATE_GUESS = 60e9  # FLOP/s assumed when sizing runs: steps ~ TARGET_S of arithmetic each
TARGET_S = 0.25


def layers_for(width: int) -> tuple:
    """The seed MLP's layer sizes with its first hidden width set to ``width``."""
    return (784, width, width // 2, 10)


def step_flops(width: int, batch: int) -> int:
    """Matmul FLOPs of one training step (forward, dW, and dX for all but the first layer)."""
    return harness.mlp_flops_per_sample(layers_for(width))["training"] * batch


def steps_for(width: int, batch: int, quick: bool) -> int:
    """Steps per timed run: about TARGET_S seconds of arithmetic, between 3 and 100."""
    if quick:
        return 1
    return max(3, min(100, round(TARGET_S * RATE_GUESS / step_flops(width, batch))))


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn) -> tuple:
    c0, t0 = _cpu_s(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, _cpu_s() - c0


# ----------------------------------------------------------------------------- one framework


def _ember_runner(width, batch):
    import mlp_keras
    tf = mlp_keras.import_framework("ember")
    mlp_keras.seed_everything(tf, 0)
    sizes = layers_for(width)
    keras = tf.keras
    model = keras.Sequential([
        keras.layers.Dense(sizes[1], activation="relu", input_shape=(sizes[0],)),
        keras.layers.Dropout(harness.DROPOUT),
        keras.layers.Dense(sizes[2], activation="relu"),
        keras.layers.Dropout(harness.DROPOUT),
        keras.layers.Dense(sizes[3], activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return lambda x, y: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)


def _torch_runner(width, batch):
    import torch
    torch.manual_seed(0)
    nn = torch.nn
    sizes = layers_for(width)
    model = nn.Sequential(
        nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Dropout(harness.DROPOUT),
        nn.Linear(sizes[1], sizes[2]), nn.ReLU(), nn.Dropout(harness.DROPOUT),
        nn.Linear(sizes[2], sizes[3]))
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=harness.LEARNING_RATE,
                                 eps=harness.ADAM_EPSILON)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    tensors = {}

    def run(x, y):
        key = id(x)
        if key not in tensors:  # preloaded once, as the hand loop's tensors are
            tensors.clear()
            tensors[key] = (torch.from_numpy(x), torch.from_numpy(y.astype("int64")))
        xt, yt = tensors[key]
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), batch):
            idx = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(xt[idx]), yt[idx]).backward()
            optimizer.step()

    return run


def _numpy_runner(width, batch):
    import mlp_numpy
    model = mlp_numpy.NumpyMLP(layers_for(width), seed=0)
    return lambda x, y: model.fit_epoch(x, y, batch_size=batch)


RUNNERS = {"ember": _ember_runner, "torch": _torch_runner, "numpy": _numpy_runner}


def _framework_info(name):
    info = harness.numpy_info()
    try:
        from threadpoolctl import threadpool_info
        info["blas_threads"] = [p.get("num_threads") for p in threadpool_info()
                                if p.get("user_api") == "blas"]
    except ImportError:
        pass
    if name == "torch":
        import torch
        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    if name == "ember":
        import ember
        info["ember"] = ember.__version__
    return info


def child(name: str, cells: list, quick: bool, repeats: int) -> dict:
    """Every cell for one framework, in this process (a fresh child per framework and round)."""
    import numpy as np

    out = {}
    for width, batch in cells:
        steps = steps_for(width, batch, quick)
        rng = np.random.default_rng(width * 7919 + batch)
        x = rng.random((steps * batch, 784), dtype=np.float32)
        y = rng.integers(0, 10, steps * batch).astype(np.uint8)
        run = RUNNERS[name](width, batch)
        warm = min(steps, 2) * batch
        run(x[:warm], y[:warm])  # builds, allocates, warms the caches
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu = _timed(lambda run=run, x=x, y=y: run(x, y))
            walls.append(wall / steps)
            cpus.append(cpu / steps)
        out[f"{width}x{batch}"] = {"step_ms": statistics.median(walls) * 1e3,
                                   "step_cpu_ms": statistics.median(cpus) * 1e3,
                                   "steps": steps, "repeats": repeats}
    return {"cells": out, "info": _framework_info(name)}


# ----------------------------------------------------------------------------- the runner


def _run_child(name, args, env, timeout):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name,
           "--repeats", str(args.repeats)] + (["--quick"] if args.quick else [])
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"unavailable": f"timed out after {timeout} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"unavailable": f"exit {proc.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def summarize(rounds: dict, cells: list) -> dict:
    """Per framework and cell: medians over rounds; per cell: Ember's ratios to the others."""
    table = {}
    for name, results in rounds.items():
        ok = [r for r in results if "cells" in r]
        if not ok:
            table[name] = {"unavailable": results[-1].get("unavailable", "no result")}
            continue
        table[name] = {
            key: {field: statistics.median(r["cells"][key][field] for r in ok)
                  for field in ("step_ms", "step_cpu_ms")}
            for key in (f"{w}x{b}" for w, b in cells)}
    ratios = {}
    ember = table.get("ember", {})
    for w, b in cells:
        key = f"{w}x{b}"
        if key not in ember:
            continue
        row = {}
        for peer in ("torch", "numpy"):
            peer_cell = table.get(peer, {}).get(key)
            if peer_cell:
                row[peer] = ember[key]["step_ms"] / peer_cell["step_ms"]
                row[peer + "_cpu"] = ember[key]["step_cpu_ms"] / peer_cell["step_cpu_ms"]
        ratios[key] = row
    return {"table": table, "ratios": ratios}


def _fmt(v):
    return "—" if v is None else (f"{v:.3g}" if v < 100 else f"{v:,.0f}")


def _ms(table, name, key):
    cell = table.get(name, {}).get(key)
    return "—" if not cell else f"{_fmt(cell['step_ms'])} ({_fmt(cell['step_cpu_ms'])})"


def _ratio(row, peer):
    if peer not in row:
        return "—"
    return f"{row[peer]:.2f}× ({row[peer + '_cpu']:.2f}×)"


def report(summary: dict, meta: dict, cells: list) -> str:
    table, ratios = summary["table"], summary["ratios"]
    lines = [
        f"## Scaling: the seed MLP at widths {', '.join(map(str, WIDTHS))} and batch sizes "
        f"{', '.join(map(str, BATCHES))} — {meta['date']}",
        "",
        "784 → W relu → Dropout 0.3 → W/2 relu → Dropout 0.3 → 10 softmax, Adam, sparse "
        "categorical cross-entropy (W = 128 is the seed's MLP). Milliseconds per training step "
        "(wall; CPU time of all the process's threads in brackets), median over "
        f"{meta['rounds']} round(s) of interleaved child processes. Ember ÷ peer above 1 means "
        "Ember is slower. GFLOP/s: Ember's matmul FLOPs per step ÷ its wall time.",
        f"Machine: {meta['machine']}; threads: {meta['threads']}.",
        "",
        "| W | batch | Ember ms | PyTorch ms | NumPy floor ms | Ember ÷ PyTorch (CPU) "
        "| Ember ÷ NumPy floor (CPU) | Ember GFLOP/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for w, b in cells:
        key = f"{w}x{b}"
        r = ratios.get(key, {})
        ember_cell = table.get("ember", {}).get(key)
        gflops = (f"{step_flops(w, b) / ember_cell['step_ms'] / 1e6:.0f}" if ember_cell
                  else "—")
        lines.append(f"| {w} | {b} | {_ms(table, 'ember', key)} | {_ms(table, 'torch', key)} | "
                     f"{_ms(table, 'numpy', key)} | {_ratio(r, 'torch')} | {_ratio(r, 'numpy')} "
                     f"| {gflops} |")
    missing = {n: t["unavailable"] for n, t in table.items() if "unavailable" in t}
    for name, why in missing.items():
        lines.append(f"\n{NAMES[name]}: unavailable: {why}")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="1 round, 1 step per cell, 1 repeat: a smoke test")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 3, quick 1)")
    p.add_argument("--repeats", type=int, help="timed runs per cell (default 3, quick 1)")
    p.add_argument("--only", metavar="NAME,...", help=f"frameworks: {', '.join(FRAMEWORKS)}")
    p.add_argument("--threads", type=int, help="every child's BLAS/OpenMP threads (default: "
                   "each framework's own)")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    p.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    cells = [(w, b) for w in WIDTHS for b in BATCHES]
    if args.child:
        try:
            result = child(args.child, cells, args.quick, args.repeats)
        except ImportError as exc:
            result = {"unavailable": harness.error_text(exc)}
        print(json.dumps(result), flush=True)
        return
    names = [n.strip() for n in (args.only or ",".join(FRAMEWORKS)).split(",") if n.strip()]
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise SystemExit(f"--only: unknown framework(s) {unknown}; choose from "
                         f"{', '.join(FRAMEWORKS)}.")
    rounds = args.rounds or (1 if args.quick else 3)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH")) if x)
    if args.threads:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(args.threads)
    timeout = 300 if args.quick else 1800
    started = time.perf_counter()
    results = {n: [] for n in names}
    for rnd in range(rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in order:
            print(f"scaling: round {rnd + 1}/{rounds}, {name}", flush=True)
            results[name].append(_run_child(name, args, env, timeout))
    summary = summarize(results, cells)
    import machine
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "quick": args.quick, "rounds": rounds, "repeats": args.repeats,
            "threads": args.threads or "each framework's default",
            "machine": _machine_line(machine.describe()),
            "steps": {f"{w}x{b}": steps_for(w, b, args.quick) for w, b in cells},
            "wall_s": round(time.perf_counter() - started, 1)}
    info = {n: r[-1].get("info") for n, r in results.items() if r and "info" in r[-1]}
    markdown = report(summary, meta, cells)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(args.results_dir / "scaling.json",
                  json.dumps({**meta, **summary, "info": info, "rounds_raw": results},
                             indent=2, default=str))
    _write_atomic(args.results_dir / "scaling.md", markdown)
    print(markdown)


def _machine_line(desc: dict) -> str:
    cpu = desc.get("cpu") or desc.get("processor") or "?"
    cores = desc.get("logical_cores") or desc.get("cores") or "?"
    return f"{cpu}, {cores} logical cores"


if __name__ == "__main__":
    main()
