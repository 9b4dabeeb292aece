"""``ember.plot.graph``: a GradientTape's recorded computation as a picture.

Each recorded op is a box; each tensor is an arrow labelled with its name and shape (its
value too when small) and, when a target is given, ∂target/∂tensor as the tape's
backward walk computes it (the walk ``tape.gradient`` uses; the tape is not used up).
Inputs that no recorded op produced (variables, constants) are boxes of their own, and
so are outputs no recorded op consumed.
"""

from __future__ import annotations

import sys

import numpy as np

from ember.explain import _Names, summarize
from ember.figures import save_figure
from ember.graph_drawing import Edge, Node, draw
from ember.nest import flatten
from ember.tape import GradientTape, _caller_tensors, tape_of
from ember.tensor import Tensor, Variable


def _compact(a) -> str:
    """A value for an arrow's label: the numbers when few, else the mean and largest |x|."""
    a = np.asarray(a)
    if a.size <= 3:
        return summarize(a)
    f = a.astype(np.float64)
    return f"mean {f.mean():.3g}, max |·| {np.abs(f).max():.3g}"


def _describe(t, names) -> str:
    name, value = names(t), summarize(t._value)
    if name == value:  # an unnamed constant is named by its value
        return name
    text = f"{name} {tuple(t.shape)}"
    if t._value.size <= 3:
        text += f" = {value}"
    return text


def graph(tape_or_target, target: Tensor | None = None, sources=None, names=None,
          max_ops: int = 60, path=None):
    """Draws the ops a tape recorded: ops as boxes, tensors as labelled arrows.

    Args:
        tape_or_target: a ``GradientTape``, or the tensor it computed (its tape is found).
        target: with a tape, the tensor whose gradients label the arrows (optional; a
            tensor given as ``tape_or_target`` is the target).
        sources: tensors the gradient walk stops at (default: every watched tensor).
        names: ``{name: tensor}`` for the labels; default: the caller's local variables.
        max_ops: at most this many ops, the last ones recorded, are drawn (default 60).
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure. Its boxes have ``gid`` ``"node:op:<k>"`` for the k-th op.
    """
    if isinstance(tape_or_target, GradientTape):
        tape = tape_or_target
    elif isinstance(tape_or_target, Tensor):
        target = tape_or_target if target is None else target
        tape = tape_of(tape_or_target)
    else:
        raise TypeError("graph expects a GradientTape or a tensor it recorded; received "
                        f"{type(tape_or_target).__name__}.")
    if tape._used and not tape._persistent:
        raise RuntimeError("This tape's records were freed by tape.gradient: draw the graph "
                           "before tape.gradient, or use tf.GradientTape(persistent=True).")
    if not tape._entries:
        raise ValueError("The tape recorded no operations, so there is no graph to draw. Use "
                         "a tf.Variable or call tape.watch(x) inside the `with "
                         "tf.GradientTape() as tape:` block before computing with x.")
    if not isinstance(max_ops, int) or max_ops < 1:
        raise ValueError(f"max_ops must be a positive integer; received {max_ops!r}.")
    if names is None:
        names = _caller_tensors(sys._getframe(1))
    entries = list(tape._entries)
    skipped = max(0, len(entries) - max_ops)
    entries = entries[skipped:]
    namer = _Names(dict(names), target, tape._ids)
    for _, out, _, _ in tape._entries:
        namer.name_output(out)

    grads: dict = {}
    lname = namer(target) if target is not None else None
    if target is not None:
        if id(target) not in tape._ids:
            raise ValueError("target was not computed from anything this tape watched.")
        if sources is None:
            sources = list(tape._watched)
        flat = flatten(sources)

        def on_step(op, out, inputs, attrs, g, passed):
            grads.setdefault(id(out), g)
            for x, gx in zip(inputs, passed):
                if gx is not None and id(x) in leaf_ids:
                    prev = grads.get(id(x))
                    grads[id(x)] = gx._value if prev is None else prev + gx._value

        produced = {id(out) for _, out, _, _ in tape._entries}
        leaf_ids = {id(x) for _, _, ins, _ in tape._entries for x in ins} - produced
        tape._backward([target], [None], flat, on_step=on_step)

    def label(t):
        text = _describe(t, namer)
        g = grads.get(id(t))
        if g is not None:
            g = g._value if isinstance(g, Tensor) else g
            text += f"\n∂{lname}/∂{namer(t)}: {_compact(g)}"
        return text

    nodes, edges = [], []
    producer = {}
    for k, (op, out, _, _) in enumerate(entries, start=skipped + 1):
        nid = f"op{k}"
        nodes.append(Node(nid, f"{op}\n→ {namer(out)}", kind="op"))
        producer[id(out)] = nid
    consumed = set()
    leaves: dict = {}
    for k, (_, _, inputs, _) in enumerate(entries, start=skipped + 1):
        for x in inputs:
            src = producer.get(id(x))
            if src is None:
                src = leaves.get(id(x))
                if src is None:
                    src = f"in{len(leaves) + 1}"
                    leaves[id(x)] = src
                    kind = "variable" if isinstance(x, Variable) else "tensor"
                    nodes.append(Node(src, namer(x), kind=kind))
            consumed.add(id(x))
            edges.append(Edge(src, f"op{k}", label(x)))
    for _, out, _, _ in entries:
        if id(out) not in consumed:
            sink = f"out{len(nodes)}"
            nodes.append(Node(sink, namer(out), kind="tensor"))
            edges.append(Edge(producer[id(out)], sink, label(out)))
    title = f"{len(entries)} ops recorded"
    if skipped:
        title = f"the last {len(entries)} of {len(tape._entries)} ops recorded"
    if target is not None:
        title += f"; gradients of {lname}"
    fig = draw(nodes, edges, title=title)
    save_figure(fig, path)
    return fig
