"""Writes are atomic and durable: a child process killed at several points of a save
leaves the previous file intact, and the next save removes its stale temporary file."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember  # noqa: F401
from ember import atomic, keras

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The child saves version A, then starts saving version B and stops at the named point
# (printing "ready") until it is killed.
CHILD = textwrap.dedent("""
    import os, sys, time, zipfile
    import numpy as np
    from ember import keras
    target, point = sys.argv[1], sys.argv[2]
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    m.set_weights([np.full((3, 2), 1.0, "float32"), np.zeros(2, "float32")])
    m.save(target)
    m.set_weights([np.full((3, 2), 2.0, "float32"), np.zeros(2, "float32")])

    def stop(*args, **kwargs):
        print("ready", flush=True)
        time.sleep(60)

    if point == "mid-write":
        original = zipfile.ZipFile.writestr
        def writestr(self, name, data, *a, **k):
            original(self, name, data, *a, **k)
            if name == "config.json":
                self.fp.flush()
                stop()
        zipfile.ZipFile.writestr = writestr
    elif point == "before-fsync":
        os.fsync = stop
    elif point == "before-rename":
        os.replace = stop
    m.save(target)
""")


@pytest.mark.parametrize("point", ["mid-write", "before-fsync", "before-rename"])
def test_killed_save_leaves_previous_file(tmp_path, point):
    target = tmp_path / "m.keras"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(target), point],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": ROOT})
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    stale = [n for n in os.listdir(tmp_path) if n.endswith(".part")]
    assert stale, "the killed save should have left its temporary file"
    loaded = keras.models.load_model(target)
    np.testing.assert_array_equal(loaded.get_weights()[0], np.full((3, 2), 1.0))
    loaded.save(target)  # the next save of the same file cleans up
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]


def test_failed_write_removes_its_temporary_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "f.bin"
    atomic.write_bytes(path, b"old")
    with pytest.raises(RuntimeError), atomic.atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_temporaries_of_running_processes_are_kept(tmp_path):
    path = tmp_path / "f.bin"
    mine = tmp_path / f".f.bin.{os.getppid()}.x.part"  # a live process (our parent)
    mine.write_bytes(b"")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    time.sleep(0.01)
    gone = tmp_path / f".f.bin.{dead.pid}.y.part"
    gone.write_bytes(b"")
    atomic.write_bytes(path, b"new")
    assert mine.exists() and not gone.exists()
