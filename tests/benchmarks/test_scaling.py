"""benchmarks/scaling.py (issue 17, part 3): the quick mode runs end to end and reports every
cell; the summary and the table handle a missing framework. No timing is asserted."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "scaling.py"


@pytest.fixture(scope="module")
def scaling():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import scaling as module
        yield module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_quick_mode_reports_every_cell(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--only", "ember,numpy",
                           "--threads", "1", "--results-dir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((tmp_path / "scaling.json").read_text())
    cells = [f"{w}x{b}" for w in (128, 512, 2048) for b in (32, 128, 1024)]
    for name in ("ember", "numpy"):
        assert sorted(data["table"][name]) == sorted(cells), data["table"][name]
        for cell in cells:
            assert data["table"][name][cell]["step_ms"] > 0
    for cell in cells:
        assert math.isfinite(data["ratios"][cell]["numpy"]) and data["ratios"][cell]["numpy"] > 0
        assert "torch" not in data["ratios"][cell]
    markdown = (tmp_path / "scaling.md").read_text()
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "×" in line]
    assert len(rows) == 9
    assert data["threads"] == 1 and data["quick"] is True


def test_summary_and_report_with_a_framework_missing(scaling):
    cells = [(128, 32), (2048, 1024)]
    cell = {"step_ms": 2.0, "step_cpu_ms": 2.0}
    rounds = {
        "ember": [{"cells": {"128x32": {"step_ms": 1.0, "step_cpu_ms": 1.5},
                             "2048x1024": {"step_ms": 300.0, "step_cpu_ms": 290.0}}}],
        "numpy": [{"cells": {"128x32": cell, "2048x1024": cell}},
                  {"cells": {"128x32": {"step_ms": 4.0, "step_cpu_ms": 3.0},
                             "2048x1024": cell}}],
        "torch": [{"unavailable": "ImportError: No module named 'torch'"}],
    }
    summary = scaling.summarize(rounds, cells)
    assert summary["table"]["numpy"]["128x32"] == {"step_ms": 3.0, "step_cpu_ms": 2.5}
    assert summary["ratios"]["128x32"] == {"numpy": 1.0 / 3.0, "numpy_cpu": 1.5 / 2.5}
    text = scaling.report(summary, {"date": "d", "rounds": 2, "machine": "m", "threads": 1},
                          cells)
    assert "| 128 | 32 | 1 (1.5) | — | 3 (2.5) | — | 0.33× (0.60×) |" in text
    assert "PyTorch hand loop: unavailable: ImportError" in text


def test_steps_are_sized_by_the_arithmetic(scaling):
    assert scaling.layers_for(128) == (784, 128, 64, 10)
    small, large = scaling.steps_for(128, 32, False), scaling.steps_for(2048, 1024, False)
    assert small == 100 and large == 3
    assert scaling.steps_for(2048, 1024, True) == 1
