"""Jupyter: Ember's pictures show inline when a cell returns one.

Ember draws on ``matplotlib.figure.Figure`` objects, never through ``pyplot``, so
matplotlib's inline backend (which hooks into ``pyplot``) never learns about them, and a
cell ending in ``tf.plot.plot_history(history)`` would print ``<Figure size 1000x400 with
2 Axes>``. ``show_figures_inline`` registers a PNG formatter for Figure with the running
IPython shell, as ``%matplotlib inline`` does; outside IPython it does nothing.
"""

from __future__ import annotations

import io
import sys

_registered: set = set()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def show_figures_inline() -> bool:
    """Makes IPython display a returned Figure as a PNG; True if a shell was found."""
    ipython = sys.modules.get("IPython")
    if ipython is None:  # not in IPython: importing it here would only cost time
        return False
    shell = ipython.get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    if id(shell) not in _registered:
        from matplotlib.figure import Figure

        formatter = shell.display_formatter.formatters["image/png"]
        if not _has_type(formatter, Figure):  # %matplotlib inline's own formatter stays
            formatter.for_type(Figure, _png)
        _registered.add(id(shell))
    return True


def _has_type(formatter, cls) -> bool:
    try:
        formatter.lookup_by_type(cls)
    except KeyError:
        return False
    return True
