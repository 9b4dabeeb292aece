"""The lab CNN side by side: Ember `fit` against TF/Keras `fit` and a PyTorch hand loop, and
`predict` against Keras's, interleaved round-robin, medians over rounds, with ratios.

    .venv/bin/python benchmarks/cnn_run.py [--rounds 3] [--examples 12800] [--threads N]

Each measurement is a subprocess of cnn_bench.py (one JSON line). ``--examples`` times a part
of the epoch and scales it to 60,000 images; ``--threads`` sets every framework's thread pools
(default: left as they are, and recorded). Writes results/cnn_latest.json and cnn_latest.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
JOBS = [("ember", "epoch"), ("tensorflow", "epoch"), ("torch", "epoch"),
        ("ember", "predict"), ("tensorflow", "predict")]
NAMES = {"ember": "Ember `fit`", "tensorflow": "TF/Keras `fit`",
         "torch": "PyTorch hand loop, preloaded tensors"}


def run_one(framework, task, examples, env, timeout):
    cmd = [sys.executable, str(BENCH / "cnn_bench.py"), "--framework", framework, "--task", task,
           "--examples", str(examples)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=BENCH)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {proc.returncode}: {tail[0]}"}
    return json.loads(lines[-1])


_RATE = ("import time, numpy as np; a = np.random.default_rng(0).random((1024, 1024), "
         "dtype=np.float32); a @ a; t = time.perf_counter(); [a @ a for _ in range(5)]; "
         "print(10 * 1024 ** 3 / (time.perf_counter() - t) / 1e9)")


def matmul_rate(env):
    """float32 GFLOP/s of a 1024² matmul, in a process with the benchmark's threads."""
    out = subprocess.run([sys.executable, "-c", _RATE], capture_output=True, text=True,
                         env=env, timeout=300)
    return float(out.stdout.strip() or "nan")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--examples", type=int, default=12800)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--only", default=None, help="frameworks, e.g. ember,torch")
    p.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = p.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if args.threads:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "TF_NUM_INTRAOP_THREADS"):
            env[k] = str(args.threads)
        env["TF_NUM_INTEROP_THREADS"] = "1"
    jobs = [j for j in JOBS if not args.only or j[0] in args.only.split(",")]
    rounds = {f"{f}_{t}": [] for f, t in jobs}
    for r in range(args.rounds):
        for f, t in jobs:
            res = run_one(f, t, args.examples, env, timeout=1800)
            rounds[f"{f}_{t}"].append(res)
            print(f"round {r + 1}: {f} {t}: {res.get('s_per_epoch', res.get('seconds'))}",
                  file=sys.stderr)
    med = {}
    for key, rs in rounds.items():
        ok = [x for x in rs if "error" in x] == [] and rs
        if not ok:
            med[key] = {"error": next(x["error"] for x in rs if "error" in x)}
            continue
        field = "s_per_epoch" if key.endswith("epoch") else "seconds"
        med[key] = {"seconds": statistics.median(x[field] for x in rs),
                    "peak_rss_mb": statistics.median(x["peak_rss_mb"] for x in rs),
                    "data_mb": rs[0]["data_mb"],
                    "flops_per_epoch": rs[0].get("flops_per_epoch"),
                    "conv_flops_per_epoch": rs[0].get("conv_flops_per_epoch")}
    gflops = matmul_rate(env)
    text = report(med, gflops, args)
    args.results_dir.mkdir(exist_ok=True)
    (args.results_dir / "cnn_latest.json").write_text(json.dumps(
        {"rounds": rounds, "median": med, "matmul_gflops": gflops, "args": vars(args) | {
            "results_dir": str(args.results_dir)}}, indent=1))
    (args.results_dir / "cnn_latest.md").write_text(text)
    print(text)


def report(med, gflops, args):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# The lab CNN on Fashion-MNIST ({now})", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; threads: "
             f"{args.threads or 'as the environment leaves them'}; "
             f"{args.examples} images timed per run, scaled to 60,000; median of {args.rounds} "
             "interleaved rounds.", "",
             "| | s/epoch | Ember ÷ peer | peak memory (MB) |", "|---|---|---|---|"]
    ours = med.get("ember_epoch", {}).get("seconds")
    for f in ("ember", "tensorflow", "torch"):
        m = med.get(f"{f}_epoch")
        if m is None:
            continue
        if "error" in m:
            lines.append(f"| {NAMES[f]} | unavailable: {m['error']} | | |")
            continue
        ratio = "—" if f == "ember" or not ours else f"{ours / m['seconds']:.2f}×"
        lines.append(f"| {NAMES[f]} | {m['seconds']:.2f} | {ratio} | {m['peak_rss_mb']:.0f} |")
    e = med.get("ember_epoch", {})
    if e.get("seconds"):
        conv = e["conv_flops_per_epoch"] / 1e9
        floor = e["flops_per_epoch"] / 1e9 / gflops
        lines += ["", f"Matmul FLOPs per epoch: {e['flops_per_epoch'] / 1e9:.0f} G "
                  f"({conv:.0f} G of them in the convolutions); at this machine's float32 "
                  f"matmul rate ({gflops:.0f} GFLOP/s, 1024² square) that is {floor:.1f} s, "
                  f"{100 * floor / e['seconds']:.0f}% of Ember's epoch. Peak memory of "
                  f"training: {e['peak_rss_mb']:.0f} MB for {e['data_mb']:.0f} MB of data "
                  f"(target ≤ 2× data + 300 MB = {2 * e['data_mb'] + 300:.0f} MB)."]
    pe, pt = med.get("ember_predict", {}), med.get("tensorflow_predict", {})
    if pe.get("seconds") and pt.get("seconds"):
        lines += ["", f"`predict` on 10,000 test images (batch 256): Ember {pe['seconds']:.2f} s,"
                  f" Keras {pt['seconds']:.2f} s: {pe['seconds'] / pt['seconds']:.2f}× "
                  "Keras's time."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
