"""The step benchmarks run end to end (Ember only, one timed step) and write their table."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize("script", ["transformer_step.py"])
def test_step_benchmark_quick_run_writes_a_table(script, tmp_path):
    out = tmp_path / "table.md"
    proc = subprocess.run([sys.executable, str(BENCH / script), "--quick", "--only", "ember",
                           "--threads", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "| ember " in text and "Machine:" in text
    row = next(line for line in text.splitlines() if line.startswith("| ember"))
    assert float(row.split("|")[2]) > 0
