"""Runs the benchmark suite: Ember against TensorFlow/Keras, PyTorch and a hand-written NumPy loop.

Each measurement is a subprocess (mlp_keras.py, mlp_torch.py, mlp_numpy.py, machine.py) that
prints one JSON line. The frameworks are interleaved round-robin, the whole round repeated
(3 times by default, because this kind of machine drifts by up to 1.7x), and every figure is the
median over rounds. A framework that is missing or broken is recorded as "unavailable: reason"
and the rest go on. Results: benchmarks/results/latest.json and latest.md, and a table on stdout.

    .venv/bin/python benchmarks/run.py                  # the full suite (make bench)
    .venv/bin/python benchmarks/run.py --quick          # 1 round, few steps: a smoke test
    .venv/bin/python benchmarks/run.py --only torch,numpy,latency
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness
import machine

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

FRAMEWORKS = ("ember", "tensorflow", "torch", "numpy")
SECTIONS = ("train", "latency", "predict", "matmul", "import", "cnn",  # cnn: cnn_run.py
            "contention",  # contention: contention.py
            "scaling")  # scaling: scaling.py (issue 17: widths x batch sizes)
IMPORT_MODULES = ("python", "numpy", "ember", "torch", "tensorflow")  # "python": -c pass

NAMES = {
    "ember_fit": "Ember `fit`",
    "tensorflow_fit": "TF/Keras `fit`",
    "torch_loop": "PyTorch hand loop, preloaded tensors",
    "torch_dataloader": "PyTorch `DataLoader` loop",
    "numpy": "NumPy hand-written loop (floor)",
    "ember_train_on_batch": "Ember `train_on_batch` (fit's step)",
    "ember_tape": "Ember `GradientTape` step",
    "ember_tape_function": "Ember `GradientTape` step in `tf.function`",
    "tensorflow_train_on_batch": "TF/Keras `train_on_batch`",
    "tensorflow_tape": "TF `GradientTape` step (eager)",
    "tensorflow_tape_function": "TF `GradientTape` step in `tf.function`",
    "torch_step": "PyTorch step",
    "numpy_step": "NumPy step (floor)",
    "ember_predict": "Ember `predict`",
    "tensorflow_predict": "TF/Keras `predict`",
    "torch_forward": "PyTorch `no_grad` forward",
    "numpy_forward": "NumPy forward (floor)",
}
# Which Ember measurement each peer is compared with (the first one that ran).
LATENCY_REFERENCE = {
    "tensorflow_train_on_batch": ("ember_train_on_batch",),
    "tensorflow_tape": ("ember_tape",),
    "tensorflow_tape_function": ("ember_tape_function", "ember_tape"),
    "torch_step": ("ember_tape", "ember_train_on_batch"),
    "numpy_step": ("ember_tape", "ember_train_on_batch"),
}


@dataclass
class Job:
    section: str
    framework: str | None  # None: not one framework's job (machine.py)
    script: str
    args: list[str]
    impls: tuple[str, ...]  # the result names the script reports
    timeout: float

    @property
    def key(self):
        return f"{self.script} {' '.join(self.args)}"


@dataclass
class Config:
    rounds: int
    epochs: int
    steps: int
    warmup_steps: int
    repeats: int
    import_repeats: int
    quick: bool
    frameworks: tuple[str, ...]
    sections: tuple[str, ...]


@dataclass
class Collected:
    rounds: dict = field(default_factory=dict)  # impl -> [result of each round]
    failures: dict = field(default_factory=dict)  # impl -> reason
    info: dict = field(default_factory=dict)  # framework -> versions, threads
    jobs: list = field(default_factory=list)  # one record per subprocess run

    def add(self, impl, result):
        self.rounds.setdefault(impl, []).append(result)

    def fail(self, impl, reason):
        self.failures[impl] = reason


# ----------------------------------------------------------------------------- jobs


def jobs_for(section: str, cfg: Config) -> list[Job]:
    common = {"train": ["--epochs", str(cfg.epochs)],
              "latency": ["--steps", str(cfg.steps), "--warmup-steps", str(cfg.warmup_steps)],
              "predict": ["--repeats", str(cfg.repeats)]}.get(section, [])
    timeout = {"train": 1800, "latency": 1800, "predict": 900, "matmul": 300}[section]
    if section == "matmul":
        return [Job("matmul", None, "machine.py", ["--quick"] if cfg.quick else [],
                    ("matmul",), timeout)]
    impls = {
        "train": {"ember": ["ember_fit"], "tensorflow": ["tensorflow_fit"],
                  "torch": ["torch_loop", "torch_dataloader"], "numpy": ["numpy"]},
        "latency": {fw: [f"{fw}_train_on_batch", f"{fw}_tape", f"{fw}_tape_function"]
                    for fw in ("ember", "tensorflow")}
        | {"torch": ["torch_step"], "numpy": ["numpy_step"]},
        "predict": {"ember": ["ember_predict"], "tensorflow": ["tensorflow_predict"],
                    "torch": ["torch_forward"], "numpy": ["numpy_forward"]},
    }[section]
    jobs = []
    for fw in cfg.frameworks:
        task = ["--task", section, *common]
        if fw in ("ember", "tensorflow"):
            jobs.append(Job(section, fw, "mlp_keras.py", ["--framework", fw, *task],
                            tuple(impls[fw]), timeout))
        elif fw == "torch" and section == "train":
            for loop, impl in zip(("tensors", "dataloader"), impls["torch"]):
                jobs.append(Job(section, fw, "mlp_torch.py", [*task, "--loop", loop],
                                (impl,), timeout))
        else:
            jobs.append(Job(section, fw, f"mlp_{fw}.py", task, tuple(impls[fw]), timeout))
    return jobs


def child_env() -> dict:
    """The same environment for every child: thread settings left as they are (recorded, not
    pinned), the repository on the path so `import ember` finds this checkout, TF's C++ log
    quieted (a logging setting, not a speed one)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def last_json_line(text: str):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def stderr_reason(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


def run_job(job: Job, env: dict, seed: int, collected: Collected) -> bool:
    """Runs one subprocess and files its results; False when it produced nothing usable."""
    argv = [sys.executable, str(BENCH_DIR / job.script), *job.args]
    if job.framework is not None:
        argv += ["--seed", str(seed)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=job.timeout)
        payload = last_json_line(proc.stdout)
        if payload is None:
            payload = {"unavailable": f"exit code {proc.returncode}: "
                                      f"{stderr_reason(proc.stderr)}"}
    except subprocess.TimeoutExpired:
        payload = {"unavailable": f"timed out after {job.timeout:.0f} s"}
    wall = time.perf_counter() - t0
    collected.jobs.append({"job": job.key, "wall_s": round(wall, 2)})

    if "info" in payload and job.framework is not None:
        collected.info[job.framework] = payload["info"]
    if "unavailable" in payload:
        for impl in job.impls:
            collected.fail(impl, payload["unavailable"])
        status = f"unavailable: {payload['unavailable']}"
        ok = False
    else:
        for impl, result in payload.get("results", {}).items():
            if job.section == "train":
                result["peak_rss_mb"] = payload.get("peak_rss_mb")
            if job.section == "matmul":
                collected.info["machine"] = payload.get("info", {})
            collected.add(impl, result)
        for impl, reason in payload.get("errors", {}).items():
            collected.fail(impl, reason)
        ok = bool(payload.get("results"))
        status = "ok" if not payload.get("errors") else f"errors: {payload['errors']}"
    print(f"  {job.key:<70} {wall:7.1f} s  {status}"[:400], flush=True)
    return ok


def _one_json_job(script: str, args: list, env: dict, timeout: float = 1800) -> dict:
    """Runs benchmarks/<script> with ``args``: its last JSON line, or {"unavailable": reason}."""
    argv = [sys.executable, str(BENCH_DIR / script)] + args
    try:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"unavailable": f"timed out after {timeout:.0f} s"}
    return last_json_line(proc.stdout) or {"unavailable": stderr_reason(proc.stderr)}


def run_fit_dataset(env: dict, cfg: Config) -> dict:
    """benchmarks/fit_dataset.py's JSON line (issue 13), or {"unavailable": reason}."""
    return _one_json_job("fit_dataset.py", ["--rounds", str(2 if cfg.quick else 5)], env)


def run_fit_paired(env: dict, cfg: Config, dataset: bool) -> dict:
    """benchmarks/fit_paired.py's JSON line (issue 17: Ember's fit and the floor's epoch
    alternating in one process), or {"unavailable": reason}."""
    args = ["--pairs", str(3 if cfg.quick else 12)] + ([] if dataset else ["--no-dataset"])
    return _one_json_job("fit_paired.py", args + (["--samples", "15000"] if cfg.quick else []),
                         env)


def paired_report(fp: dict) -> str:
    """The paragraph under the training table for run_fit_paired's result."""
    if "arrays" not in fp:
        return f"\nPaired with the floor in one process: unavailable: {fp.get('unavailable')}\n"
    lines = [f"\nPaired with the floor in one process (benchmarks/fit_paired.py: the epochs "
             f"alternate, {fp['pairs']} pairs, the order swapped each pair; each pair gives "
             f"one ratio, so a burst of load slows one pair instead of one implementation's "
             f"whole job). Ember ÷ NumPy floor:\n"]
    for arm, label in (("arrays", "`fit(x, y)`"), ("dataset", "`fit(tf.data pipeline)`")):
        if arm in fp:
            r = fp[arm]
            lines.append(f"- {label}: median {r['ratio_median']:.2f}× (quartiles "
                         f"{r['ratio_q1']:.2f}–{r['ratio_q3']:.2f}), fastest epochs "
                         f"{r['ratio_of_fastest']:.2f}×; {fp['s_per_epoch'][arm]:.3f} s against "
                         f"{fp['s_per_epoch']['floor']:.3f} s\n")
    return "".join(lines)


def measure_imports(cfg: Config, env: dict) -> dict:
    """`python -c "import X"` in fresh subprocesses, interleaved, median of cfg.import_repeats."""
    modules = [m for m in IMPORT_MODULES if m == "python" or m in cfg.frameworks]
    times = {m: [] for m in modules}
    failed = {}

    def once(module):
        code = "pass" if module == "python" else f"import {module}"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            failed[module] = stderr_reason(proc.stderr)
        return elapsed

    for module in modules:  # untimed: compile .pyc files and warm the page cache
        once(module)
    for _ in range(cfg.import_repeats):
        for module in modules:
            if module not in failed:
                times[module].append(once(module))
    out = {}
    for module in modules:
        if module in failed:
            out[module] = {"unavailable": failed[module]}
        else:
            out[module] = {"median_s": statistics.median(times[module]), "all_s": times[module]}
        print(f"  import {module:<12} {out[module]}", flush=True)
    return out


# ----------------------------------------------------------------------------- summary


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(collected: Collected, imports: dict | None) -> dict:
    r = collected.rounds
    train, latency, predict = {}, {}, {}
    for impl, rounds in r.items():
        first = rounds[0]
        if "epoch_s" in first:
            per_round = [statistics.median(x["epoch_s"]) for x in rounds]
            every = [t for x in rounds for t in x["epoch_s"]]
            train[impl] = {
                "epoch_s": statistics.median(per_round),
                "epoch_s_per_round": per_round,
                "epoch_s_min": min(every),
                "epoch_s_max": max(every),
                "warmup_s": median_of(x["warmup_s"] for x in rounds),
                "test_acc": median_of(x["test_acc"] for x in rounds),
                "epochs_trained": first["epochs_trained"],
                "peak_rss_mb": max((x["peak_rss_mb"] or 0) for x in rounds),
            }
        elif impl == "matmul":
            continue
        elif all("median_ms" in v for v in first.values()):
            latency[impl] = {bs: {"median_ms": median_of(x[bs]["median_ms"] for x in rounds),
                                  "per_round_ms": [x[bs]["median_ms"] for x in rounds],
                                  "steps": first[bs]["steps"]}
                             for bs in first}
        else:
            predict[impl] = {}
            for bs in first:
                seconds = median_of(x[bs]["median_s"] for x in rounds)
                predict[impl][bs] = {"seconds": seconds, "images": first[bs]["n"],
                                     "images_per_s": first[bs]["n"] / seconds}

    matmul = None
    if "matmul" in r:
        rounds = r["matmul"]
        matmul = dict(rounds[0])
        for key in ("mlp_step_matmul_ms", "mlp_step_gflops", "mlp_epoch_matmul_s"):
            matmul[key] = median_of(x[key] for x in rounds)
        matmul["square"] = {"n": rounds[0]["square"]["n"],
                            "gflops": median_of(x["square"]["gflops"] for x in rounds)}
        matmul["shapes"] = {
            label: {**v, "gflops": median_of(x["shapes"][label]["gflops"] for x in rounds),
                    "us": median_of(x["shapes"][label]["us"] for x in rounds)}
            for label, v in rounds[0]["shapes"].items()}
        for t in train.values():
            t["matmul_share"] = matmul["mlp_epoch_matmul_s"] / t["epoch_s"]
            t["effective_gflops"] = matmul["epoch_gflop"] / t["epoch_s"]

    ratios = {"train": {}, "train_fastest": {}, "latency": {}, "predict": {}, "import": {}}
    ember = train.get("ember_fit")
    for impl, t in train.items():
        if ember and impl != "ember_fit":
            ratios["train"][impl] = ember["epoch_s"] / t["epoch_s"]
            ratios["train_fastest"][impl] = ember["epoch_s_min"] / t["epoch_s_min"]
    for impl, refs in LATENCY_REFERENCE.items():
        ref = next((x for x in refs if x in latency), None)
        if impl in latency and ref:
            ratios["latency"][impl] = {
                "vs": ref, **{bs: latency[ref][bs]["median_ms"] / v["median_ms"]
                              for bs, v in latency[impl].items() if bs in latency[ref]}}
    if "ember_predict" in predict:
        for impl, p in predict.items():
            if impl != "ember_predict":
                ratios["predict"][impl] = {
                    bs: predict["ember_predict"][bs]["seconds"] / v["seconds"]
                    for bs, v in p.items() if bs in predict["ember_predict"]}
    if imports and "median_s" in imports.get("ember", {}):
        for module, v in imports.items():
            if module != "ember" and "median_s" in v:
                ratios["import"][module] = imports["ember"]["median_s"] / v["median_s"]

    return {"train": train, "latency": latency, "predict": predict, "matmul": matmul,
            "import": imports, "ratios": ratios,
            "unavailable": {k: v for k, v in collected.failures.items() if k not in r}}


# ----------------------------------------------------------------------------- report

def _dataset_against_peers(dataset_ratio: float, train_ratios: dict) -> str:
    """fit on the pipeline against the peers of section 1: its ratio to fit on arrays
    times fit on arrays' ratio to each peer."""
    parts = [f"{NAMES[impl]} {dataset_ratio * train_ratios[impl]:.2f}×"
             for impl in ("numpy", "torch_loop") if impl in train_ratios]
    return "; so `fit(tf.data pipeline)` ÷ " + ", ÷ ".join(parts) if parts else ""



def num(x) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def ratio(x) -> str:
    return "—" if x is None else f"{x:.2f}×"


def table(header, rows) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def unavailable_row(impl, reason, width):
    return [NAMES.get(impl, impl), f"unavailable: {reason}"] + ["—"] * (width - 2)


def thread_note(fw: dict) -> str:
    notes = []
    if "torch" in fw:
        notes.append(f"torch {fw['torch'].get('torch_threads')} intra-op / "
                     f"{fw['torch'].get('torch_interop_threads')} inter-op threads")
    if "tensorflow" in fw:
        notes.append(f"TensorFlow intra-op setting {fw['tensorflow'].get('intra_op_threads')} "
                     "(0 = one thread per core)")
    return "".join(f"; {n}" for n in notes)


def report(summary: dict, meta: dict) -> str:
    m = meta["machine"]
    fw = meta["frameworks"]
    unavailable = summary["unavailable"]
    thread_env = ", ".join(f"{k}={v if v is not None else 'unset'}"
                           for k, v in m.get("thread_env", {}).items())
    versions = ", ".join(f"{name} {info.get(name, '?')}" for name, info in fw.items()
                         if name in ("ember", "tensorflow", "torch"))
    lines = [
        f"# Ember benchmarks — {meta['date']}",
        "",
        f"- Machine: {m.get('cpu', '?')} ({', '.join(m.get('cpu_flags', []))}), "
        f"{m.get('logical_cores', '?')} logical cores ({m.get('usable_cores', '?')} usable), "
        f"{m.get('os', '')}",
        f"- NumPy {m.get('numpy', '?')}, BLAS {m.get('blas', '?')} "
        f"({m.get('blas_threads', '?')} threads, {m.get('blas_core', '?')} kernels); "
        f"Python {m.get('python', '?')}; {versions or 'no peer frameworks'}",
        f"- Threads: framework defaults, nothing pinned ({thread_env}){thread_note(fw)}",
        f"- Protocol: {meta['rounds']} round(s), frameworks interleaved round-robin; each figure "
        "is the median over rounds of each round's median"
        + (" (**--quick: a smoke test, not a measurement**)" if meta["quick"] else "")
        + (f"; only: {', '.join(meta['only'])}" if meta["only"] else "") + ".",
        "- **Ratios are Ember ÷ peer, in time: above 1 means Ember is slower.**",
        "",
    ]

    train = summary["train"]
    if train or any(k in unavailable for k in ("ember_fit", "tensorflow_fit", "numpy")):
        epochs = next((t["epochs_trained"] for t in train.values()), None)
        lines += ["## 1. Training: the seed's MLP on Fashion-MNIST, 60,000 images, batch 128", "",
                  "Seconds per epoch: one warm-up epoch, then the median of the "
                  f"{meta['epochs']} timed epoch(s) that follow. Test accuracy after all {epochs} "
                  "epochs. GFLOP/s: the epoch's matmul FLOPs ÷ its time. "
                  "Matmul share: the epoch's matmuls alone at NumPy's measured rates (section 5) "
                  "÷ the epoch; the rest is overhead and elementwise work. "
                  "Ember ÷ this, fastest: the ratio of the fastest epochs of all rounds, the "
                  "ones least disturbed by other processes (noise only adds time).", ""]
        header = ["implementation", "s/epoch", "min–max", "Ember ÷ this",
                  "Ember ÷ this, fastest", "test acc",
                  "matmul share", "GFLOP/s", "peak RSS MB"]
        rows = []
        for impl in ("ember_fit", "tensorflow_fit", "torch_loop", "torch_dataloader", "numpy"):
            if impl in train:
                t = train[impl]
                rows.append([NAMES[impl], num(t["epoch_s"]),
                             f"{num(t['epoch_s_min'])}–{num(t['epoch_s_max'])}",
                             ratio(summary["ratios"]["train"].get(impl)),
                             ratio(summary["ratios"].get("train_fastest", {}).get(impl)),
                             f"{t['test_acc']:.4f}", f"{t.get('matmul_share', 0):.0%}"
                             if "matmul_share" in t else "—",
                             num(t.get("effective_gflops")), num(t["peak_rss_mb"])])
            elif impl in unavailable:
                rows.append(unavailable_row(impl, unavailable[impl], len(header)))
        lines += table(header, rows) + [""]

    latency = summary["latency"]
    lat_impls = [n for n in NAMES if n in latency or (n in unavailable and n.endswith(
        ("_step", "_tape", "_tape_function", "_train_on_batch")))]
    if lat_impls:
        sizes = sorted({bs for v in latency.values() for bs in v}, key=int)
        steps = next((v[bs]["steps"] for v in latency.values() for bs in v), "?")
        lines += ["## 2. Step latency: one training step, ms (median of "
                  f"{steps} steps per batch size)", "",
                  "The Ember step each peer is compared with is named in the last column.", ""]
        header = ["step"] + [f"batch {bs}" for bs in sizes] + \
            [f"Ember ÷ this ({' / '.join(sizes)})", "vs"]
        rows = []
        for impl in lat_impls:
            if impl not in latency:
                rows.append(unavailable_row(impl, unavailable[impl], len(header)))
                continue
            r = summary["ratios"]["latency"].get(impl, {})
            rows.append([NAMES[impl]] + [num(latency[impl].get(bs, {}).get("median_ms"))
                                         for bs in sizes]
                        + [" / ".join(ratio(r.get(bs)) for bs in sizes) if r else "—",
                           NAMES.get(r.get("vs"), "—") if r else "—"])
        lines += table(header, rows) + [""]

    predict = summary["predict"]
    pred_impls = [n for n in ("ember_predict", "tensorflow_predict", "torch_forward",
                              "numpy_forward") if n in predict or n in unavailable]
    if pred_impls:
        sizes = sorted({bs for v in predict.values() for bs in v}, key=int)
        lines += ["## 3. Inference on the 10,000 test images, images per second", "",
                  "Ember and Keras: `model.predict(x)` (default batch 32) and "
                  "`model.predict(x, batch_size=1024)`.", ""]
        header = ["implementation"] + [f"batch {bs}" for bs in sizes] + \
            [f"Ember ÷ this ({' / '.join(sizes)})"]
        rows = []
        for impl in pred_impls:
            if impl not in predict:
                rows.append(unavailable_row(impl, unavailable[impl], len(header)))
                continue
            r = summary["ratios"]["predict"].get(impl, {})
            rows.append([NAMES[impl]] + [num(predict[impl].get(bs, {}).get("images_per_s"))
                                         for bs in sizes]
                        + [" / ".join(ratio(r.get(bs)) for bs in sizes) if r else "—"])
        lines += table(header, rows) + [""]

    imports = summary["import"]
    if imports:
        reps = meta["import_repeats"]
        lines += [f"## 4. Import time: `python -c \"import X\"`, fresh process, median of {reps}",
                  "", "`python` is the interpreter starting with nothing to import.", ""]
        rows = []
        for module, v in imports.items():
            if "median_s" in v:
                rows.append([module, num(v["median_s"]),
                             ratio(summary["ratios"]["import"].get(module))])
            else:
                rows.append([module, f"unavailable: {v['unavailable']}", "—"])
        lines += table(["module", "seconds", "Ember ÷ this"], rows)
        if "ember_fit" in train:
            memory = f"{num(train['ember_fit']['peak_rss_mb'])} MB"
        else:
            memory = f"unavailable: {unavailable.get('ember_fit', 'not run')}"
        lines += ["", "Peak resident memory (ru_maxrss of the child process) of the Ember "
                  f"training run: {memory}. The others are in section 1; every process holds "
                  "the float32 training set (188 MB) and its uint8 source."]
        lines += [""]

    mm = summary["matmul"]
    if mm:
        lines += ["## 5. Arithmetic against overhead: NumPy float32 matmul on this machine", "",
                  f"One epoch of the MLP is {mm['epoch_gflop']:.1f} GFLOP of matmuls "
                  f"({mm['epoch_gflop_with_input_grad']:.1f} if the gradient of the input images "
                  "were computed too, which nobody needs). At the rates below one training step's "
                  f"matmuls take {mm['mlp_step_matmul_ms']:.3f} ms "
                  f"({num(mm['mlp_step_gflops'])} GFLOP/s), so an epoch's arithmetic floor is "
                  f"**{mm['mlp_epoch_matmul_s']:.3f} s**; everything above that in section 1 is "
                  f"overhead. A {mm['square']['n']}² square matmul runs at "
                  f"{num(mm['square']['gflops'])} GFLOP/s.", ""]
        rows = [[f"`{label}`", v["kind"], num(v["us"]), num(v["gflops"])]
                for label, v in mm["shapes"].items()]
        lines += table(["matmul (batch 128)", "role", "µs", "GFLOP/s"], rows) + [""]

    others = {k: v for k, v in unavailable.items() if k not in NAMES}
    for k, v in others.items():
        lines += [f"- {k}: unavailable: {v}"]
    return "\n".join(lines).rstrip() + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- main


def parse_only(text: str | None):
    if not text:
        return FRAMEWORKS, SECTIONS, []
    names = [n.strip() for n in text.split(",") if n.strip()]
    valid = FRAMEWORKS + SECTIONS
    for n in names:
        if n not in valid:
            close = difflib.get_close_matches(n, valid, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SystemExit(f"--only: unknown name '{n}'.{hint} "
                             f"Choose from: {', '.join(valid)}.")
    frameworks = tuple(f for f in FRAMEWORKS if f in names) or FRAMEWORKS
    sections = tuple(s for s in SECTIONS if s in names) or SECTIONS
    return frameworks, sections, names


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="1 round, 1 timed epoch, 100 steps: a smoke test of the harness")
    p.add_argument("--only", metavar="NAME,...",
                   help=f"frameworks ({', '.join(FRAMEWORKS)}) and/or sections "
                        f"({', '.join(SECTIONS)}) to run")
    p.add_argument("--rounds", type=int, help="round-robin repetitions (default 3, quick 1)")
    p.add_argument("--epochs", type=int, help="timed epochs per run (default 3, quick 1)")
    p.add_argument("--steps", type=int, help="timed steps per batch size (default 1000)")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    # issue 13: fit(dataset) against fit(x, y), benchmarks/fit_dataset.py
    p.add_argument("--fit-dataset", action="store_true",
                   help="also time Ember's fit on a tf.data pipeline against fit on arrays")
    args = p.parse_args(argv)
    frameworks, sections, only = parse_only(args.only)
    q = args.quick
    cfg = Config(rounds=args.rounds or (1 if q else 3), epochs=args.epochs or (1 if q else 3),
                 steps=args.steps or (100 if q else 1000), warmup_steps=5 if q else 20,
                 repeats=2 if q else 5, import_repeats=2 if q else 5, quick=q,
                 frameworks=frameworks, sections=sections)

    env = child_env()
    started = time.perf_counter()
    collected = Collected()
    dead = set()  # jobs that produced nothing usable are not retried in later rounds
    for rnd in range(cfg.rounds):
        print(f"round {rnd + 1}/{cfg.rounds}", flush=True)
        for section in ("train", "latency", "predict", "matmul"):
            if section not in cfg.sections:
                continue
            jobs = jobs_for(section, cfg)
            shift = rnd % len(jobs)
            for job in jobs[shift:] + jobs[:shift]:  # rotate so no framework always goes first
                if job.key in dead:
                    continue
                if not run_job(job, env, seed=rnd, collected=collected):
                    dead.add(job.key)
    imports = measure_imports(cfg, env) if "import" in cfg.sections else None

    summary = summarize(collected, imports)
    if args.fit_dataset:  # issue 13: one subprocess, its own interleaved rounds
        summary["fit_dataset"] = run_fit_dataset(env, cfg)
    if "train" in cfg.sections and {"ember", "numpy"} <= set(cfg.frameworks):
        summary["fit_paired"] = run_fit_paired(env, cfg, dataset=args.fit_dataset)
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": cfg.quick, "only": only, "rounds": cfg.rounds, "epochs": cfg.epochs,
        "steps": cfg.steps, "import_repeats": cfg.import_repeats,
        "machine": collected.info.get("machine") or machine.describe(),
        "frameworks": {k: v for k, v in collected.info.items() if k != "machine"},
        "mlp": {"layers": harness.LAYERS, "dropout": harness.DROPOUT,
                "batch_size": harness.BATCH_SIZE, "learning_rate": harness.LEARNING_RATE},
        "wall_s": round(time.perf_counter() - started, 1),
    }
    markdown = report(summary, meta)
    if "fit_paired" in summary:
        markdown += paired_report(summary["fit_paired"])
    if "fit_dataset" in summary:
        fd = summary["fit_dataset"]
        markdown += ("\n`fit(tf.data pipeline)` ÷ `fit(x, y)`: " + (
            f"{fd['ratio_median']:.2f}× wall, {fd['cpu_ratio_median']:.2f}× CPU time "
            f"({fd['rounds']} interleaved rounds, benchmarks/fit_dataset.py)"
            + _dataset_against_peers(fd["ratio_median"], summary["ratios"]["train"]) + "\n"
            if "ratio_median" in fd else f"unavailable: {fd.get('unavailable')}\n"))
    if "contention" in cfg.sections:  # its own script and files: results/contention.{json,md}
        subprocess.run([sys.executable, str(BENCH_DIR / "contention.py"),
                        "--results-dir", str(args.results_dir)] + (["--quick"] if q else []),
                       env=env, check=False)
        extra = args.results_dir / "contention.md"
        if extra.exists():
            markdown += "\n" + extra.read_text()
    if "scaling" in cfg.sections:  # its own script and files: results/scaling.{json,md}
        peers = [f for f in frameworks if f in ("ember", "torch", "numpy")]
        subprocess.run([sys.executable, str(BENCH_DIR / "scaling.py"), "--only", ",".join(peers),
                        "--results-dir", str(args.results_dir)] + (["--quick"] if q else []),
                       env=env, check=False)
        extra = args.results_dir / "scaling.md"
        if extra.exists():
            markdown += "\n" + extra.read_text()
    payload = {**meta, **summary, "failures": collected.failures, "jobs": collected.jobs}
    write_atomic(args.results_dir / "latest.json", json.dumps(payload, indent=2, default=str))
    write_atomic(args.results_dir / "latest.md", markdown)
    print()
    print(markdown)
    print(f"written: {args.results_dir / 'latest.json'}, {args.results_dir / 'latest.md'} "
          f"({meta['wall_s']} s)")
    # -- the lab CNN (conv branch): its own runner and results file, cnn_latest.md --
    if "cnn" in cfg.sections:
        import cnn_run
        peers = [f for f in frameworks if f != "numpy"]
        cnn_run.main(["--rounds", str(cfg.rounds), "--examples", "1280" if q else "12800",
                      "--only", ",".join(peers), "--results-dir", str(args.results_dir)])


if __name__ == "__main__":
    main()
