"""Tests of ember.keras.utils.Progbar: Keras 3's line format, redraws, averaging, no log floods."""

import io
import re
import sys

import pytest

from ember.keras.utils import Progbar
from ember.keras.utils import progbar as progbar_module

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAR = "━"


class Clock:
    """A time.time() that moves only when told to."""

    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progbar_module.time, "time", c)
    return c


@pytest.fixture
def tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: True)


@pytest.fixture
def no_tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: False)


def run_steps(bar, clock, n, step_time, values=lambda i: [("loss", 0.5234), ("acc", 0.8123)]):
    for i in range(1, n + 1):
        clock.now += step_time
        bar.update(i, values(i))


# ----------------------------------------------------------------------------- verbose=1, TTY


def test_tty_final_line_is_keras_format_with_colours(clock, tty, capsys):
    bar = Progbar(10, interval=0)
    run_steps(bar, clock, 10, 0.005, lambda i: [("accuracy", 0.8123), ("loss", 0.5234)])
    out = capsys.readouterr().out
    last = out.split("\r")[-1]
    assert last == (
        "\x1b[1m10/10\x1b[0m "
        f"\x1b[32m{BAR * 20}\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 5ms/step - accuracy: 0.8123 - loss: 0.5234\n"
    )


def test_tty_redraws_one_line_with_eta_while_running(clock, tty, capsys):
    bar = Progbar(375, interval=0)
    run_steps(bar, clock, 12, 0.5)
    out = capsys.readouterr().out
    assert "\n" not in out  # not finished: the line is only redrawn
    lines = out.split("\r")[1:]
    assert len(lines) == 12
    plain = ANSI.sub("", lines[-1])
    # 12/375 fills no cell of 20; ETA = 363 steps * 0.5 s = 3:01
    assert plain == f" 12/375 {BAR * 20} 3:01 500ms/step - loss: 0.5234 - acc: 0.8123"


def test_tty_bar_fills_in_proportion(clock, tty, capsys):
    bar = Progbar(4, width=8, interval=0)
    clock.now += 0.1
    bar.update(1)
    first = capsys.readouterr().out
    assert f"\x1b[32m{BAR * 2}\x1b[0m\x1b[37m{BAR * 6}\x1b[0m" in first
    assert ANSI.sub("", first) == f"\r1/4 {BAR * 8} 0s 100ms/step"


def test_tty_pads_a_shorter_line_over_a_longer_one(clock, tty, capsys):
    bar = Progbar(100, interval=0, stateful_metrics=["m"])
    clock.now += 1
    bar.update(1, [("m", "a-long-value")])
    clock.now += 1
    bar.update(2, [("m", "x")])
    first, second = capsys.readouterr().out.split("\r")[1:]
    assert len(ANSI.sub("", second)) == len(ANSI.sub("", first))
    assert ANSI.sub("", second).endswith("m: x" + " " * len("a-long-value"[1:]))


def test_tty_respects_interval(clock, tty, capsys):
    bar = Progbar(100, interval=0.05)
    for i in range(1, 100):
        clock.now += 0.001  # 1 ms a step: at most one redraw each 50 steps
        bar.update(i, [("loss", 1.0)])
    bar.update(100, [("loss", 1.0)])
    out = capsys.readouterr().out
    assert 2 <= out.count("\r") <= 4
    assert out.endswith("\n")


def test_unknown_target(clock, tty, capsys):
    bar = Progbar(None, interval=0)
    clock.now += 2
    bar.update(3, [("loss", 0.25)])
    assert ANSI.sub("", capsys.readouterr().out) == "\r      3/Unknown 2s 667ms/step - loss: 0.2500"


# ----------------------------------------------------------------------------- verbose=1, not a TTY


def test_not_a_tty_prints_only_the_finished_line(clock, no_tty, capsys):
    bar = Progbar(1000, interval=0)
    run_steps(bar, clock, 1000, 0.004, lambda i: [("accuracy", 0.8123), ("loss", 0.5234)])
    out = capsys.readouterr().out
    assert out == f"1000/1000 {BAR * 20} 4s 4ms/step - accuracy: 0.8123 - loss: 0.5234\n"


def test_not_a_tty_is_the_default_under_capture(capsys, monkeypatch):
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    # pytest's captured stdout is no terminal: no \r, no colours.
    bar = Progbar(3, interval=0)
    for i in range(1, 4):
        bar.update(i, [("loss", 1.0)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\r" not in out and "\x1b" not in out


# ----------------------------------------------------------------------------- verbose=2


def test_verbose_2_prints_one_summary_line(clock, tty, capsys):
    bar = Progbar(375, verbose=2)
    run_steps(bar, clock, 375, 0.006, lambda i: [("accuracy", 0.8123), ("loss", 0.5234)])
    assert capsys.readouterr().out == "375/375 - 2s - 6ms/step - accuracy: 0.8123 - loss: 0.5234\n"


def test_verbose_0_prints_nothing(clock, tty, capsys):
    bar = Progbar(5, verbose=0)
    run_steps(bar, clock, 5, 0.1)
    assert capsys.readouterr().out == ""


# ----------------------------------------------------------------------------- values


def test_values_are_averaged_by_steps_unless_stateful(clock, no_tty, capsys):
    bar = Progbar(10, stateful_metrics=["lr"])
    bar.update(1, [("loss", 1.0), ("lr", 0.1)])
    bar.update(4, [("loss", 2.0), ("lr", 0.2)])  # covers 3 steps
    bar.update(10, [("loss", 9.0), ("lr", 0.3)], finalize=False)  # covers 6 steps
    assert bar._values["loss"] == [1.0 + 3 * 2.0 + 6 * 9.0, 10]
    assert bar._values["lr"] == [0.3, 1]
    bar.update(10, [("loss", 0.125)])  # the finalizing update shows its values as given
    out = capsys.readouterr().out
    assert out.endswith(" - loss: 0.1250 - lr: 0.3000\n")


def test_stateless_metrics_list(clock, no_tty):
    bar = Progbar(4, stateless_metrics=["loss"])
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(2, [("loss", 3.0), ("acc", 0.7)])
    assert bar._values["loss"] == [4.0, 2] and bar._values["acc"] == [0.7, 1]
    with pytest.raises(ValueError, match="not both"):
        Progbar(4, stateful_metrics=["a"], stateless_metrics=["b"])


@pytest.mark.parametrize(
    "value, text",
    [(0.5234, "0.5234"), (1234.5, "1234.5000"), (0.0001234, "1.2340e-04"), (0.0, "0.0000e+00"),
     (-0.25, "-0.2500"), (-0.0001, "-1.0000e-04")],
)  # fmt: skip
def test_value_format(value, text):
    assert progbar_module._format_value(value) == text


@pytest.mark.parametrize(
    "seconds, text",
    [(2.4, " 2s/step"), (1.0, " 1s/step"), (0, " 0s/step"), (0.0042, " 4ms/step"),
     (0.000123, " 123us/step")],
)  # fmt: skip
def test_time_per_unit_format(seconds, text):
    assert progbar_module._format_time(seconds, "step") == text


@pytest.mark.parametrize("eta, text", [(42.7, "42s"), (61, "1:01"), (3725, "1:02:05")])
def test_eta_format(eta, text):
    assert progbar_module._format_eta(eta) == text


def test_first_step_left_out_of_the_step_time(clock, no_tty, capsys):
    bar = Progbar(3, verbose=2)
    clock.now += 5.0  # a slow first step (warm-up)
    bar.update(1)
    clock.now += 0.01
    bar.update(2)
    clock.now += 0.01
    bar.update(3)
    assert capsys.readouterr().out == "3/3 - 5s - 10ms/step\n"


def test_add_moves_forward(clock, no_tty, capsys):
    bar = Progbar(4, verbose=2)
    bar.add(2, [("loss", 1.0)])
    bar.add(2, [("loss", 2.0)])
    assert bar._seen_so_far == 4
    assert "4/4" in capsys.readouterr().out


def test_ascii_console_gets_an_ascii_bar(clock, no_tty, monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(2, interval=0)
    bar.update(1)
    bar.update(2)
    stream.flush()
    assert stream.buffer.getvalue().decode("ascii").startswith("2/2 " + "=" * 20)


def test_writes_to_the_stdout_of_the_moment(clock, no_tty, monkeypatch):
    bar = Progbar(1, verbose=2)
    later = io.StringIO()
    monkeypatch.setattr(sys, "stdout", later)  # replaced after the bar was made
    bar.update(1)
    assert later.getvalue().startswith("1/1 - ")


def test_bad_verbose():
    with pytest.raises(ValueError, match="verbose=3"):
        Progbar(10, verbose=3)
