"""The driver that lstm_step.py and transformer_step.py share: each framework's training
step timed in its own process, rounds rotating the order, and the Markdown table.

A script gives its own ``worker(framework, warmup, steps, threads)`` (prints one JSON line
with ``times`` and ``info``) and the words of its report; this module does the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import cpu_model

FRAMEWORKS = "ember,torch,tensorflow"


def parser(description: str, *, steps: int, warmup: int, out: Path) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=steps, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--quick", action="store_true", help="1 round of 1 timed step: a smoke test")
    p.add_argument("--only", default=FRAMEWORKS)
    p.add_argument("--threads", type=int, default=0,
                   help="threads for every framework (BLAS, torch, TF); 0: their defaults")
    p.add_argument("--out", default=str(out))
    return p


def available(name: str) -> bool:
    probe = {"ember": "numpy", "torch": "torch", "tensorflow": "tensorflow"}[name]
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec('{probe}') is None)"
    return subprocess.run([sys.executable, "-c", code]).returncode == 0


def machine_line() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_rounds(script: str, args, *, scale: float, unit: str):
    """{framework: [median step time of each round]} and {framework: its info dict}."""
    names = [n for n in args.only.split(",") if n and available(n)]
    results, info = {n: [] for n in names}, {}
    env = dict(os.environ)
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            proc = subprocess.run([sys.executable, script, "--worker", name, "--warmup",
                                   str(args.warmup), "--steps", str(args.steps), "--threads",
                                   str(args.threads)], capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            payload = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(statistics.median(payload["times"]))
            info[name] = payload["info"]
            print(f"round {r + 1} {name}: {scale * results[name][-1]:.{_digits(unit)}f} "
                  f"{unit}/step", flush=True)
    return results, info


def _digits(unit: str) -> int:
    return 1 if unit == "ms" else 3


def report(title: str, model_line: str, results: dict, info: dict, *, scale: float,
           unit: str, out: str) -> str:
    """The Markdown table (Ember ÷ each peer), printed and written atomically to ``out``."""
    d = _digits(unit)
    med = {n: statistics.median(v) for n, v in results.items() if v}
    lines = [f"# {title} ({time.strftime('%Y-%m-%d')})", "", f"Machine: {machine_line()}.",
             model_line, "", f"| framework | {unit}/step | Ember / peer | each round |",
             "|---|---|---|---|"]
    for n, t in med.items():
        ratio = "—" if n == "ember" or "ember" not in med else f"{med['ember'] / t:.2f}x"
        rounds = ", ".join(f"{scale * v:.{d}f}" for v in results[n])
        lines.append(f"| {n} {info.get(n, {}).get(n, '')} | {scale * t:.{d}f} | {ratio} | "
                     f"{rounds} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(out).with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return text


def main(script: str, doc: str, worker, *, title: str, model: str, steps: int, warmup: int,
         unit: str) -> None:
    """A step benchmark's command line: ``--worker`` runs one framework's steps (``worker``),
    otherwise the rounds run and the table is written. ``model`` describes the model; the
    rounds, steps and threads are added to it."""
    name = Path(script).stem
    args = parser(doc.splitlines()[0], steps=steps, warmup=warmup,
                  out=Path(script).resolve().parent / "results" / f"{name}.md").parse_args()
    if args.worker:
        worker(args.worker, args.warmup, args.steps, args.threads)
        return
    if args.quick:
        args.rounds, args.steps = 1, 1
    scale = 1000 if unit == "ms" else 1
    results, info = run_rounds(script, args, scale=scale, unit=unit)
    line = (f"Model: {model}; median of {args.rounds} rounds x {args.steps} steps; threads: "
            f"{args.threads or 'each framework default'}.")
    report(title, line, results, info, scale=scale, unit=unit, out=args.out)
