"""The progress bar that ``fit``, ``evaluate`` and ``predict`` print, in Keras 3's format.

``verbose=1`` in a terminal or a notebook redraws one line in place with ``\\r``::

     12/375 ━━━━━━━━━━━━━━━━━━━━ 1s 5ms/step - accuracy: 0.7012 - loss: 0.8921
    375/375 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.8123 - loss: 0.5234

(the first form while running, with the time left; the second when done, with the
time taken). ``verbose=2`` prints only the finished line, without the bar::

    375/375 - 2s - 4ms/step - accuracy: 0.8123 - loss: 0.5234

Where Ember differs from Keras 3, on purpose:

- Keras 3 counts every POSIX process as interactive, so a run redirected to a file
  gets a redrawn line every 0.05 s. Here a stdout that is neither a terminal nor a
  notebook gets, for ``verbose=1``, only the finished line, without ANSI colours.
- When stdout cannot encode ``━`` (an ASCII or cp1252 console) the bar uses ``=``.
- ``verbose=2`` prints small negative values as ``-1.2340e-04`` the way ``verbose=1``
  does (Keras 3 prints every negative value in ``e`` notation there).
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

_BAR = "━"
_BOLD, _GREEN, _WHITE, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
_bar_char_cache: dict[str, str] = {}


def _stdout_is_interactive() -> bool:
    """Whether stdout redraws a line on ``\\r``: a terminal, a notebook or PyCharm's console."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _bar_char(stream) -> str:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    char = _bar_char_cache.get(encoding)
    if char is None:
        try:
            _BAR.encode(encoding)
            char = _BAR
        except (UnicodeEncodeError, LookupError):
            char = "="
        _bar_char_cache[encoding] = char
    return char


def _format_value(value) -> str:
    """``%.4f``, or ``%.4e`` when the magnitude is at most 1e-3, as Keras prints metrics."""
    if not isinstance(value, float):
        value = float(np.mean(value))
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time(time_per_unit: float, unit_name: str) -> str:
    """`` 4ms/step``: seconds, milliseconds or microseconds per unit."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def _format_eta(eta: float) -> str:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


class Progbar:
    """Displays a progress bar.

    Metric values are averaged over the steps seen so far, weighted by the number of
    steps each update covers, unless they are named in ``stateful_metrics`` (shown as
    given). The update that finalizes the bar shows its values as given.

    Args:
        target: Total number of steps expected, ``None`` if unknown.
        width: Width of the bar in characters. Defaults to 20.
        verbose: 0 (silent), 1 (a bar redrawn in place) or 2 (one line when done).
        interval: Minimum time in seconds between two redraws. Defaults to 0.05.
        stateful_metrics: Names of metrics shown as given, not averaged.
        stateless_metrics: Names of the only metrics that are averaged; give this or
            ``stateful_metrics``, not both.
        unit_name: Name of a step in ``4ms/step``. Defaults to ``"step"``.
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar takes `stateful_metrics` (averaged unless listed) or "
                "`stateless_metrics` (shown as given unless listed), not both. Received: "
                f"stateful_metrics={stateful_metrics}, stateless_metrics={stateless_metrics}"
            )
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar verbose must be 0, 1 or 2. Received: verbose={verbose!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None

        self._dynamic_display = _stdout_is_interactive()
        self._seen_so_far = 0
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step ``current`` and records metric values.

        Args:
            current: Index of the current step (1 after the first step).
            values: List of ``(name, value_for_last_step)`` pairs.
            finalize: Whether this is the last update; defaults to ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        for name, value in values or ():
            if name not in self._values:
                self._values_order.append(name)
            if self.stateful_metrics is not None:
                averaged = name not in self.stateful_metrics
            else:
                averaged = name in self.stateless_metrics
            if averaged and not finalize:
                # An update may cover several steps; weight it by how many.
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            # Off a terminal only the finished line prints: a log file gets no redraws.
            too_soon = now - self._last_update < self.interval
            if not finalize and (too_soon or not self._dynamic_display):
                return
            self._print_bar(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            line = f"%{digits}d/%d - {now - self._start:.0f}s -" % (current, self.target)
            line += _format_time(time_per_unit, self.unit_name) + self._metrics_text()
            _write(line + "\n")
        self._last_update = now

    def add(self, n, values=None):
        """Moves the bar ``n`` steps forward; see ``update``."""
        self.update(self._seen_so_far + n, values)

    def _print_bar(self, current, now, time_per_unit, finalize):
        ansi = self._dynamic_display
        bold = (lambda s: f"{_BOLD}{s}{_RESET}") if ansi else (lambda s: s)
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = f"%{digits}d/%d" % (current, self.target)
            filled = max(0, min(self.width, int(self.width * current / self.target)))
            char = _bar_char(sys.stdout)
            done, left = char * filled, char * (self.width - filled)
            bar = f"{bold(count)} "
            if ansi:
                bar += (f"{_GREEN}{done}{_RESET}" if filled else "") + f"{_WHITE}{left}{_RESET}"
            else:
                bar += done + left
            visible = len(count) + 1 + self.width
        else:
            bar = f"{int(current):7d}/Unknown"
            visible = len(bar)

        if self.target is not None and self.target > 0 and not finalize:
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = _format_time(time_per_unit, self.unit_name) + self._metrics_text()
        visible += 1 + len(clock) + len(info)
        line = f"{bar} {bold(clock)}{info}"

        if ansi:
            # Blank out what is left of a longer previous line.
            line = "\r" + line + " " * max(0, self._prev_total_width - visible)
        _write(line + "\n" if finalize else line)
        self._prev_total_width = visible

    def _metrics_text(self) -> str:
        parts = []
        for name in self._values_order:
            total, count = self._values[name]
            try:
                text = _format_value(total / max(1, count))
            except (TypeError, ValueError):
                text = str(total)  # a value that is not a number is shown as given
            parts.append(f" - {name}: {text}")
        return "".join(parts)

    def _estimate_step_duration(self, current, now):
        """Seconds per step; after step 1 the first step (often slow: warm-up) is left out."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _write(text: str) -> None:
    # sys.stdout is looked up at each call, so a redirected or captured stdout gets it.
    stream = sys.stdout
    stream.write(text)
    stream.flush()
