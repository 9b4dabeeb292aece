"""``keras.utils.plot_model``: the model's layer graph as a picture, drawn with matplotlib.

Keras draws it with graphviz (pydot); Ember draws the same boxes and arrows itself, so
only matplotlib (the ``plot`` extra) is needed. Each layer is a box (class name, and with
the options its name, output shape, dtype, activation, trainable flag); arrows follow the
data from the inputs to the outputs. Layers are placed in rows by their depth in the graph
(``rankdir='TB'``) or in columns (``'LR'``).
"""

from __future__ import annotations

import os

from ember import nest


def _graph(model):
    """(operations in order, edges as (from index, to index), {index: (in shape, out shape)})."""
    from ember.keras.layers.input_layer import InputLayer

    if hasattr(model, "_nodes"):  # functional: the recorded layer calls
        ops = list(model._operations)
        index = {id(op): i for i, op in enumerate(ops)}
        edges, shapes = set(), {}
        for t in nest.flatten(model._inputs_struct):
            shapes[index[id(t.node.layer)]] = (None, tuple(t.shape))
        for node in model._nodes:
            j = index[id(node.layer)]
            ins = node.input_tensors
            for t in ins:
                if id(t.node.layer) in index:
                    edges.add((index[id(t.node.layer)], j))
            outs = [tuple(t.shape) for t in nest.flatten(node.outputs)]
            in_shapes = [tuple(t.shape) for t in ins]
            shapes[j] = (in_shapes[0] if len(in_shapes) == 1 else in_shapes or None,
                         outs[0] if len(outs) == 1 else outs)
        return ops, sorted(edges), shapes
    layers = list(model.layers)
    shape = getattr(model, "_input_batch_shape", None)
    ops = ([InputLayer(batch_shape=tuple(shape), name="input_layer")] if shape is not None
           else []) + layers
    shapes = {}
    current = None if shape is None else tuple(shape)
    if shape is not None:
        shapes[0] = (None, current)
    for i, layer in enumerate(layers, start=len(ops) - len(layers)):
        out = None
        if current is not None:
            try:
                out = tuple(layer.compute_output_shape(current))
            except Exception:  # a layer that cannot say: its shapes are shown as '?'
                out = None
        shapes[i] = (current, out)
        current = out
    return ops, [(i, i + 1) for i in range(len(ops) - 1)], shapes


def _levels(n, edges) -> list:
    level = [0] * n
    for _ in range(n):  # longest path from an input; n rounds settle any DAG
        changed = False
        for a, b in edges:
            if level[b] < level[a] + 1:
                level[b] = level[a] + 1
                changed = True
        if not changed:
            break
    return level


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _label(op, shapes, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable) -> str:
    kind = type(op).__name__
    lines = [f"{op.name} ({kind})" if show_layer_names else kind]
    if show_layer_activations and hasattr(op, "activation") and op.activation is not None:
        act = getattr(op.activation, "__name__", str(op.activation))
        lines.append(f"Activation: {act}")
    if show_dtype:
        lines.append(f"dtype: {getattr(op, 'dtype', 'float32')}")
    if show_shapes:
        in_shape, out_shape = shapes.get(op, (None, None))
        if kind != "InputLayer":
            lines.append(f"Input shape: {_shape_text(in_shape)}")
        lines.append(f"Output shape: {_shape_text(out_shape)}")
    if show_trainable:
        lines.append(f"Trainable: {'T' if getattr(op, 'trainable', True) else 'F'}")
    return "\n".join(lines)


def model_figure(model, show_shapes=False, show_dtype=False, show_layer_names=False,
                 rankdir="TB", show_layer_activations=False, show_trainable=False, dpi=100):
    """The matplotlib Figure ``plot_model`` saves (arguments as ``plot_model``)."""
    try:
        # A bare Figure (no pyplot): nothing global changes and no window opens.
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plot_model draws with matplotlib, which is not installed: "
                          "pip install 'ember[plot]'.") from None
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR'; received {rankdir!r}.")
    if not getattr(model, "built", False) or not model.layers:
        raise ValueError(f"plot_model: model '{model.name}' has no layers to draw yet: build it "
                         "first (call it on data, or give the first layer an input shape).")
    ops, edges, shapes = _graph(model)
    by_op = {op: shapes.get(i, (None, None)) for i, op in enumerate(ops)}
    labels = [_label(op, by_op, show_shapes, show_dtype, show_layer_names,
                     show_layer_activations, show_trainable) for op in ops]
    level = _levels(len(ops), edges)
    rows: dict = {}
    for i, lv in enumerate(level):
        rows.setdefault(lv, []).append(i)
    width = max(len(r) for r in rows.values())
    pos = {}
    for lv, members in rows.items():
        for k, i in enumerate(members):
            across = k - (len(members) - 1) / 2
            pos[i] = (across * 3.2, -lv * 1.6) if rankdir == "TB" else (lv * 3.6, -across * 1.6)
    text_lines = max(label.count("\n") + 1 for label in labels)
    n_levels = len(rows)
    if rankdir == "TB":
        size = (max(4.0, 3.2 * width), max(2.0, (1.0 + 0.28 * text_lines) * n_levels))
    else:
        size = (max(4.0, 3.6 * n_levels), max(2.0, (1.0 + 0.28 * text_lines) * width))
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_subplot()
    ax.set_axis_off()
    boxes = {}
    for i, label in enumerate(labels):
        x, y = pos[i]
        boxes[i] = ax.text(x, y, label, ha="center", va="center", fontsize=9, gid=f"layer:{i}",
                           bbox={"boxstyle": "round,pad=0.5", "facecolor": "#eef3fb",
                                 "edgecolor": "#3b5b92"})
    for a, b in edges:
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops={"arrowstyle": "-|>", "color": "#333333", "shrinkA": 18,
                                "shrinkB": 18, "patchA": boxes[a].get_bbox_patch(),
                                "patchB": boxes[b].get_bbox_patch()})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.8, max(xs) + 1.8)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    fig.tight_layout()
    return fig


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Saves a picture of ``model``'s layer graph to ``to_file`` (PNG, SVG or PDF by suffix).

    Args:
        model: a built Sequential or functional model.
        to_file: the file to write; default ``'model.png'``.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable:
            what each box shows besides the layer's class name (Keras's defaults: False).
        rankdir: ``'TB'`` (top to bottom, default) or ``'LR'`` (left to right).
        expand_nested: accepted; nested models are drawn as one box.
        dpi: resolution of a PNG; default 200.
    Returns:
        An ``IPython.display.Image`` of the file when IPython is installed (a notebook
        shows it), else None.
    """
    fig = model_figure(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, dpi=dpi)
    folder = os.path.dirname(os.path.abspath(os.fspath(to_file)))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(to_file, dpi=dpi)
    try:
        from IPython.display import Image
    except ImportError:
        return None
    return Image(filename=os.fspath(to_file)) if not str(to_file).endswith(".pdf") else None
