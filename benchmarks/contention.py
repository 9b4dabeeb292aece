"""Training while other processes use the CPU: the seed MLP with 0, 1 and 2 busy processes.

Learners train on laptops with a browser open, on shared lab machines and in CI. This
section runs the seed MLP's `fit` epoch (batch 128) and one batch-32 training step
(Ember's GradientTape step, TF's GradientTape step in `tf.function`, PyTorch's hand step)
while 0, 1 or 2 busy processes (plain Python loops, started and stopped here, each bounded
in time) compete for the cores. It also times the matmuls behind the collapse Ember had
before its BLAS thread policy (`ember/threads.py`): the MLP's first-layer product and a
2048² one on 1 and on 2 BLAS threads.

"Ember, policy off" is Ember with every matmul on all of BLAS's threads, as before the
policy (``ember.threads.LARGE_MATMUL = 0``). "Ember on one BLAS thread" shows the bound of
any policy under load: with a busy process on each other core, Ember can at best run one
thread at full speed, so its time at load ÷ Ember's quiet time (on all cores) is the
smallest slowdown a policy that keeps the quiet speed can show. CPU seconds are the child
process's own (all its threads, `resource.getrusage`): far above wall time means threads
spinning.

    python benchmarks/contention.py [--rounds 2] [--steps 300] [--loads 0,1,2] [--quick]

Writes results/contention.json and results/contention.md.
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

CHILDREN = ("ember", "ember_one", "ember_nopolicy", "tensorflow", "torch", "matmul")
NAMES = {
    "ember": "Ember",
    "ember_one": "Ember on one BLAS thread (set_intra_op_parallelism_threads(1))",
    "ember_nopolicy": "Ember, policy off (every matmul on all BLAS threads)",
    "tensorflow": "TF/Keras (step: GradientTape in tf.function)",
    "torch": "PyTorch (hand loop)",
}
BUSY_SECONDS = 900  # a busy process ends by itself after this even if nobody stops it
BUSY_CODE = ("import time\nend = time.monotonic() + {s}\nx = 0\n"
             "while time.monotonic() < end:\n    x += 1\n")
MATMULS = {"128x784 @ 784x128": ((128, 784), (784, 128), 300),
           "2048x2048 @ 2048x2048": ((2048, 2048), (2048, 2048), 4)}


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _clocked(fn):
    """(wall seconds, CPU seconds of all this process's threads) of one call."""
    c0, t0 = _cpu_s(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, _cpu_s() - c0


def _steps(step, batch_at, steps, warmup):
    for k in range(warmup):
        step(*batch_at(k))
    times = []
    c0 = _cpu_s()
    for k in range(steps):
        args = batch_at(k)
        t0 = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - t0)
    cpu = _cpu_s() - c0
    return {"median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3,
            "cpu_ms": cpu / steps * 1e3}


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [p.get("num_threads") for p in threadpool_info() if p.get("user_api") == "blas"]


def child(name: str, steps: int, warmup: int, images: int) -> dict:
    """One measurement in this process: runs in a fresh child so frameworks never mix."""
    import numpy as np

    if name == "matmul":
        from threadpoolctl import threadpool_limits
        rng = np.random.default_rng(0)
        out = {}
        for label, (sa, sb, n) in MATMULS.items():
            a = rng.standard_normal(sa, dtype=np.float32)
            b = rng.standard_normal(sb, dtype=np.float32)
            res = np.empty((sa[0], sb[1]), np.float32)
            for threads in (1, 2):
                with threadpool_limits(threads, user_api="blas"):
                    np.matmul(a, b, out=res)
                    out[f"{label}, {threads} thread(s)"] = _steps(
                        lambda a=a, b=b, res=res: np.matmul(a, b, out=res), lambda k: (), n, 1)
        return out
    (x, y), _ = harness.load_fashion_mnist()
    batch_at = harness.cycling_batches(x, y, 32)
    if name == "torch":
        import mlp_torch
        import torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype("int64"))
        model, train_step = mlp_torch.build(torch, 0)
        model.train()
        epoch = lambda: mlp_torch.epoch_over_tensors(torch, train_step, xt[:images],
                                                     yt[:images])
        warm = lambda: mlp_torch.epoch_over_tensors(torch, train_step, xt[:6400], yt[:6400])
        step_batches = lambda k: tuple(torch.from_numpy(v.astype("int64") if v.ndim == 1 else v)
                                       for v in batch_at(k))
        step = train_step
    else:
        import mlp_keras
        tf = mlp_keras.import_framework("ember" if name.startswith("ember") else "tensorflow")
        if name == "ember_nopolicy":
            import ember.threads
            ember.threads.LARGE_MATMUL = 0
        if name == "ember_one":
            tf.config.threading.set_intra_op_parallelism_threads(1)
        mlp_keras.seed_everything(tf, 0)
        model = mlp_keras.compiled_model(tf)
        epoch = lambda: model.fit(x[:images], y[:images], batch_size=128, epochs=1, verbose=0)
        warm = lambda: model.fit(x[:6400], y[:6400], batch_size=128, epochs=1, verbose=0)
        step = mlp_keras.custom_train_step(tf, mlp_keras.build_model(tf))
        if name == "tensorflow":
            step = tf.function(step)
        step_batches = batch_at
    warm()
    wall, cpu = _clocked(epoch)
    scale = len(x) / images  # seconds per 60,000 images
    result = {"epoch_s": wall * scale, "epoch_cpu_s": cpu * scale}
    result["step32"] = _steps(step, step_batches, steps, warmup)
    result["blas_threads"] = _blas_threads()
    return result


def _machine(m: dict) -> str:
    return (f"{m.get('cpu')}, {m.get('logical_cores')} logical cores, NumPy {m.get('numpy')} "
            f"with {m.get('blas')}, thread variables {m.get('thread_env')}")


def _loadavg(values) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def _busy(n: int) -> list:
    return [subprocess.Popen([sys.executable, "-c", BUSY_CODE.format(s=BUSY_SECONDS)])
            for _ in range(n)]


def _stop(procs):
    for p in procs:
        p.kill()
    for p in procs:
        p.wait()


def run_child(name, args, env):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name,
           "--steps", str(args.steps), "--warmup-steps", str(args.warmup_steps),
           "--epoch-images", str(args.epoch_images)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"unavailable": "timed out after 900 s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"unavailable": tail[:300]}


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(rounds: list) -> dict:
    """{load: {name: {metric: median over rounds}}}; rounds: [{load: {name: result}}]."""
    out = {}
    for load in rounds[0]:
        out[load] = {}
        for name in rounds[0][load]:
            per = [r[load][name] for r in rounds if "unavailable" not in r[load][name]]
            if not per:
                out[load][name] = {"unavailable": rounds[0][load][name]["unavailable"]}
                continue
            if name == "matmul":
                out[load][name] = {k: {m: _med(p[k][m] for p in per) for m in per[0][k]}
                                   for k in per[0] if isinstance(per[0][k], dict)}
                continue
            out[load][name] = {
                "epoch_s": _med(p["epoch_s"] for p in per),
                "epoch_min_s": min(p["epoch_s"] for p in per),
                "epoch_cpu_s": _med(p["epoch_cpu_s"] for p in per),
                "step_ms": _med(p["step32"]["median_ms"] for p in per),
                "step_min_ms": min(p["step32"]["min_ms"] for p in per),
                "step_cpu_ms": _med(p["step32"]["cpu_ms"] for p in per),
                "blas_threads": per[-1].get("blas_threads")}
    return out


def _n(x, digits=3):
    return "—" if x is None else f"{x:.{digits}g}"


def report(summary: dict, meta: dict) -> str:
    loads = list(summary)
    lines = [f"# Contention: the seed MLP while other processes use the CPU — {meta['date']}",
             "", f"- Machine: {meta['machine']}",
             f"- Load before the run (1/5/15 min): {_loadavg(meta['loadavg'])}. "
             f"{meta['rounds']} round(s), each figure the median over rounds; "
             f"step: median of {meta['steps']} batch-32 steps.",
             "- Busy process: a plain Python loop, one per core it takes; the benchmark "
             "starts them before and stops them after each load level.",
             "- Slowdown: the time at that load ÷ the time with 0 busy processes. "
             "CPU: seconds of all the process's threads (spinning shows as CPU ≫ wall).", ""]
    timed = ("the whole epoch timed" if meta["epoch_images"] >= 60_000 else
             f"timed on the first {meta['epoch_images']:,} and scaled")
    for metric, unit, title in (("epoch_s", "s", f"`fit` epoch (60,000 images, batch 128; "
                                 f"{timed})"),
                                ("step_ms", "ms", "one training step at batch 32")):
        cpu = "epoch_cpu_s" if metric == "epoch_s" else "step_cpu_ms"
        lines += [f"## {title}, {unit}", "",
                  "| implementation | " + " | ".join(f"{ld} busy" for ld in loads)
                  + " | slowdown at " + " / ".join(loads[1:]) + " | CPU "
                  + " / ".join(loads) + " |",
                  "|---|" + "---|" * (len(loads) + 2)]
        for name in NAMES:
            cells, cpus = [], []
            for ld in loads:
                r = summary[ld].get(name, {})
                cells.append(_n(r.get(metric)) if "unavailable" not in r else "unavailable")
                cpus.append(_n(r.get(cpu)))
            base = summary[loads[0]].get(name, {}).get(metric)
            slow = [(_n(summary[ld][name].get(metric) / base, 2) + "×")
                    if base and summary[ld].get(name, {}).get(metric) else "—"
                    for ld in loads[1:]]
            lines.append(f"| {NAMES[name]} | " + " | ".join(cells) + " | " + " / ".join(slow)
                         + " | " + " / ".join(cpus) + " |")
        quiet = summary[loads[0]].get("ember", {}).get(metric)
        one = [summary[ld].get("ember_one", {}).get(metric) for ld in loads[1:]]
        if quiet and all(one):
            lines += ["", "Ember on one thread at " + " / ".join(loads[1:]) + " busy ÷ Ember "
                      "quiet: " + " / ".join(f"{v / quiet:.2f}×" for v in one)
                      + " (the slowdown no thread policy can beat while it keeps the quiet "
                      "speed)."]
        lines.append("")
    mm = {ld: summary[ld].get("matmul", {}) for ld in loads}
    keys = next((list(v) for v in mm.values() if v and "unavailable" not in v), [])
    if keys:
        lines += ["## The cause: NumPy float32 matmul on 1 and 2 BLAS threads, µs", "",
                  "median / min / CPU µs per call, at each load.", "",
                  "| matmul | " + " | ".join(f"{ld} busy" for ld in loads) + " |",
                  "|---|" + "---|" * len(loads)]
        for k in keys:
            row = [f"{_n(mm[ld][k]['median_ms'] * 1e3)} / {_n(mm[ld][k]['min_ms'] * 1e3)} / "
                   f"{_n(mm[ld][k]['cpu_ms'] * 1e3)}" if k in mm[ld] else "—" for ld in loads]
            lines.append(f"| {k} | " + " | ".join(row) + " |")
        lines.append("")
    bt = {n: summary[loads[0]].get(n, {}).get("blas_threads") for n in NAMES}
    lines += [f"BLAS threads seen by threadpoolctl at the end of each run: {bt}.", ""]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", choices=CHILDREN)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup-steps", type=int, default=30)
    p.add_argument("--loads", default="0,1,2")
    # The whole epoch by default: timing 15,000 images and scaling measured mostly the
    # first fraction of a second after start, where Ember's thread policy is still finding
    # the load and OpenBLAS's worker spins on for ~0.1 s after its last threaded product.
    p.add_argument("--epoch-images", type=int, default=60_000,
                   help="images timed for the epoch figure, scaled to 60,000 (fewer for a "
                        "quick look: a collapsed framework can take minutes per epoch)")
    p.add_argument("--only", default=",".join(CHILDREN), help="children to run")
    p.add_argument("--quick", action="store_true", help="1 round, 50 steps")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)
    if args.child:
        harness.emit(child(args.child, args.steps, args.warmup_steps, args.epoch_images))
        return
    if args.quick:
        args.rounds, args.steps, args.warmup_steps, args.epoch_images = 1, 50, 5, 6400
    import machine
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [env["PYTHONPATH"]]
                                        if env.get("PYTHONPATH") else [str(ROOT)])
    names = [n for n in args.only.split(",") if n in CHILDREN]
    loads = [int(v) for v in args.loads.split(",")]
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": _machine(machine.describe()), "loadavg": os.getloadavg(),
            "rounds": args.rounds,
            "steps": args.steps, "epoch_images": args.epoch_images}
    rounds = []
    for rnd in range(args.rounds):
        this = {}
        for load in loads:
            busy = _busy(load)
            try:
                time.sleep(0.3)
                shift = rnd % len(names)
                this[str(load)] = {}
                for name in names[shift:] + names[:shift]:
                    print(f"round {rnd + 1} load {load}: {name}", flush=True)
                    this[str(load)][name] = run_child(name, args, env)
            finally:
                _stop(busy)
        rounds.append({ld: {n: this[ld][n] for n in names} for ld in this})
    summary = summarize(rounds)
    markdown = report(summary, meta)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "contention.json").write_text(
        json.dumps({**meta, "summary": summary, "rounds": rounds}, indent=2, default=str))
    (args.results_dir / "contention.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
