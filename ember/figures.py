"""A new matplotlib Figure and its atomic save: what every picture module needs.

Figures are made with matplotlib's object API, not ``pyplot``: no window opens, no global
backend is switched (a notebook's inline display keeps working) and no figure lingers in
``pyplot``'s registry. ``ember.plot`` keeps its own copy of these two helpers; the modules
it imports (the graph and learning pictures) use these, so none of them imports
``ember.plot`` back.
"""

from __future__ import annotations

import os

from ember.notebook import show_figures_inline


def new_figure(**kwargs):
    """A new ``matplotlib.figure.Figure``, or an ImportError saying how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("Ember's pictures need matplotlib, which is not installed. Install "
                          "it with: pip install ember[plot]") from e
    show_figures_inline()
    return Figure(**kwargs)


def save_figure(fig, path) -> None:
    """Saves ``fig`` to ``path`` atomically (format from the extension, default png)."""
    if path is None:
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save the plot to {path}: expected an existing "
                                f"folder, but {directory} does not exist.")
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    from ember.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        fig.savefig(f, format=fmt)
