"""Boxes joined by labelled arrows, laid out in layers and drawn with matplotlib.

The one graph-drawing module: ``ember.plot.graph`` draws a tape's ops with it and
``keras.utils.plot_model`` a model's layers. Callers describe the graph as data::

    nodes = [Node("x", "x\\n(1, 2)", kind="tensor"), Node("d", "Dense")]
    edges = [Edge("x", "d", label="(1, 2)")]
    fig = draw(nodes, edges)

Layout (a small Sugiyama scheme, no graphviz): every node goes one layer below its
lowest predecessor (longest path from the inputs), then each layer is ordered by the
mean position of its predecessors, a few sweeps down and up. Layers are rows
(``direction='TB'``, Keras's ``rankdir='TB'``) or columns (``'LR'``). Coordinates are in inches,
so text keeps its size and the figure grows with the graph.

Every box is a ``FancyBboxPatch`` with ``gid`` ``"node:<kind>:<id>"`` and every arrow a
``FancyArrowPatch`` with ``gid`` ``"edge:<source>-><target>"``, so a test (or a tool) can
count what was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from ember.figures import new_figure

_CHAR_W = 0.075  # inches per character at the 8-point labels used here
_LINE_H = 0.16  # inches per text line
_LABEL_CHAR_W, _LABEL_LINE_H = 0.062, 0.13  # the 6.5-point edge labels
_GAP_X, _GAP_Y = 0.3, 0.45  # between slots in a layer / between layers, besides labels

# kind -> (face colour, edge colour); other kinds are drawn as "op".
STYLES = {
    "op": ("#fde9c9", "#b9770e"),
    "tensor": ("#e8f1fb", "#2e6da4"),
    "variable": ("#e3f4e1", "#2e7d32"),
    "layer": ("#eef0f4", "#4a5568"),
    "input": ("#e8f1fb", "#2e6da4"),
    "note": ("#ffffff", "#999999"),
}


@dataclass
class Node:
    """A box: ``id`` unique, ``label`` its text (may hold newlines), ``kind`` its style."""

    id: str
    label: str
    kind: str = "op"


@dataclass
class Edge:
    """An arrow from node ``source`` to node ``target``, with an optional ``label``."""

    source: str
    target: str
    label: str = ""


def _size(label: str) -> tuple[float, float]:
    lines = label.split("\n")
    return (max(0.8, _CHAR_W * max(len(s) for s in lines) + 0.3),
            _LINE_H * len(lines) + 0.2)


def layers(nodes: list[Node], edges: list[Edge]) -> list[list[str]]:
    """Node ids grouped into layers, inputs first, each layer ordered to limit crossings."""
    ids = [n.id for n in nodes]
    if len(set(ids)) != len(ids):
        raise ValueError("graph nodes: every node needs a unique id.")
    known = set(ids)
    preds: dict = {i: [] for i in ids}
    succs: dict = {i: [] for i in ids}
    for e in edges:
        if e.source not in known or e.target not in known:
            missing = e.source if e.source not in known else e.target
            raise ValueError(f"graph edge {e.source!r} -> {e.target!r}: no node has id "
                             f"{missing!r}.")
        preds[e.target].append(e.source)
        succs[e.source].append(e.target)
    # Kahn's order (iterative: deep graphs must not hit the recursion limit).
    indegree = {i: len(preds[i]) for i in ids}
    ready = [i for i in ids if indegree[i] == 0]
    level: dict = {}
    order = []
    while ready:
        i = ready.pop(0)
        order.append(i)
        level[i] = max((level[p] + 1 for p in preds[i]), default=0)
        for s in succs[i]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) != len(ids):
        raise ValueError("graph edges form a cycle; only acyclic graphs can be drawn.")
    # Pull each input down next to its first consumer, so it does not sit far above it.
    for i in ids:
        if not preds[i] and succs[i]:
            level[i] = min(level[s] for s in succs[i]) - 1
    rows: dict = {}
    for i in order:
        rows.setdefault(level[i], []).append(i)
    grid = [rows[k] for k in sorted(rows)]
    for sweep in range(4):
        down = sweep % 2 == 0
        rng = range(1, len(grid)) if down else range(len(grid) - 2, -1, -1)
        for r in rng:
            ref = grid[r - 1] if down else grid[r + 1]
            pos = {i: k for k, i in enumerate(ref)}
            link = preds if down else succs

            def key(i, pos=pos, link=link, row=grid[r]):
                near = [pos[j] for j in link[i] if j in pos]
                return sum(near) / len(near) if near else row.index(i)

            grid[r] = sorted(grid[r], key=key)
    return grid


def _label_size(label: str) -> tuple[float, float]:
    lines = label.split("\n")
    return _LABEL_CHAR_W * max(map(len, lines)) + 0.1, _LABEL_LINE_H * len(lines) + 0.1


def layout(nodes: list[Node], edges: list[Edge], direction: str = "TB") -> dict:
    """``{id: (x, y, width, height)}`` in inches: box centres and sizes.

    ``direction`` ``'TB'``: layers are rows, the first on top, and an arrow's label sits
    below its source box; ``'LR'``: layers are columns, the first on the left, and the
    label sits right of the source box.
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f"graph direction must be 'TB' or 'LR'; received {direction!r}.")
    grid = layers(nodes, edges)
    size = {n.id: _size(n.label) for n in nodes}
    label = dict.fromkeys(size, (0.0, 0.0))  # the largest outgoing label of each node
    for e in edges:
        if e.label:
            lw, lh = _label_size(e.label)
            label[e.source] = (max(label[e.source][0], lw), max(label[e.source][1], lh))
    place = {}
    if direction == "TB":
        # A node's slot is as wide as its box or its labels; a row is as tall as its boxes
        # plus the labels below them.
        slot = {i: max(size[i][0], label[i][0]) for i in size}
        widths = [sum(slot[i] for i in row) + _GAP_X * (len(row) - 1) for row in grid]
        total = max(widths)
        y = 0.0
        for row, width in zip(grid, widths):
            height = max(size[i][1] for i in row)
            x = (total - width) / 2
            for i in row:
                place[i] = (x + slot[i] / 2, -(y + height / 2), *size[i])
                x += slot[i] + _GAP_X
            y += height + max(label[i][1] for i in row) + _GAP_Y
        return place
    slot = {i: max(size[i][1], label[i][1]) for i in size}
    heights = [sum(slot[i] for i in col) + _GAP_X * (len(col) - 1) for col in grid]
    total = max(heights)
    x = 0.0
    for col, height in zip(grid, heights):
        width = max(size[i][0] for i in col)
        y = -(total - height) / 2
        for i in col:
            place[i] = (x + width / 2, y - slot[i] / 2, *size[i])
            y -= slot[i] + _GAP_X
        x += width + max(label[i][0] for i in col) + _GAP_Y
    return place


def draw(nodes: list[Node], edges: list[Edge], title: str | None = None, ax=None,
         direction: str = "TB"):
    """Draws the graph; returns the matplotlib Figure (a new one unless ``ax`` is given).

    ``direction`` is ``'TB'`` (top to bottom, default) or ``'LR'`` (left to right).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if not nodes:
        raise ValueError("graph: there is nothing to draw (no nodes).")
    place = layout(nodes, edges, direction)
    # The extent of each node with the labels drawn beside it.
    box = {i: [x - w / 2, x + w / 2, y - h / 2, y + h / 2] for i, (x, y, w, h) in place.items()}
    for e in edges:
        if e.label:
            lw, lh = _label_size(e.label)
            x, y, w, h = place[e.source]
            b = box[e.source]
            if direction == "TB":
                b[0], b[1] = min(b[0], x - lw / 2), max(b[1], x + lw / 2)
                b[2] = min(b[2], y - h / 2 - lh)
            else:
                b[1] = max(b[1], x + w / 2 + lw)
                b[2], b[3] = min(b[2], y - lh / 2), max(b[3], y + lh / 2)
    margin = 0.3
    x0 = min(b[0] for b in box.values()) - margin
    x1 = max(b[1] for b in box.values()) + margin
    y0 = min(b[2] for b in box.values()) - margin
    y1 = max(b[3] for b in box.values()) + margin + (0.35 if title else 0)
    if ax is None:
        fig = new_figure(figsize=(max(x1 - x0, 2.0), max(y1 - y0, 1.0)))
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")
    for n in nodes:
        x, y, w, h = place[n.id]
        face, line = STYLES.get(n.kind, STYLES["op"])
        patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                               boxstyle="round,pad=0.02,rounding_size=0.06", facecolor=face,
                               edgecolor=line, linewidth=1.2, gid=f"node:{n.kind}:{n.id}")
        ax.add_patch(patch)
        ax.text(x, y, n.label, ha="center", va="center", fontsize=8, family="DejaVu Sans")
    for e in edges:
        sx, sy, sw, sh = place[e.source]
        tx, ty, tw, th = place[e.target]
        if direction == "TB":
            start, end = (sx, sy - sh / 2), (tx, ty + th / 2)
        else:
            start, end = (sx + sw / 2, sy), (tx - tw / 2, ty)
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                color="#555555", linewidth=1, shrinkA=1, shrinkB=1,
                                gid=f"edge:{e.source}->{e.target}")
        ax.add_patch(arrow)
        if e.label:
            # Beside the source box, in the room layout() left for it.
            lw, lh = _label_size(e.label)
            at = ((start[0], start[1] - 0.05 - lh / 2) if direction == "TB"
                  else (start[0] + 0.05 + lw / 2, start[1]))
            ax.text(*at, e.label, ha="center", va="center", fontsize=6.5, color="#333333",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85})
    if title:
        ax.text((x0 + x1) / 2, y1 - 0.2, title, ha="center", va="center", fontsize=10)
    return fig
