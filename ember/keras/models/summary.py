"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import sys

from ember.keras.layers.input_layer import InputLayer
from ember.keras.layers.symbolic import Operation
from ember.tensor import Tensor, as_array


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GB"


def _shape_text(layer):
    shape = getattr(layer, "_keras_output_shape", None)
    if shape is None and isinstance(layer, InputLayer):
        shape = layer.batch_shape
    if shape is None and layer.built and getattr(layer, "_build_shape", None) is not None:
        try:
            shape = layer.compute_output_shape(layer._build_shape)
        except Exception:
            shape = None
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return str([tuple(s) for s in shape])
    return str(tuple(shape))


def _rows(model):
    rows = []
    # A functional model's Operations (``x * 2`` on KerasTensors) get rows too, as in Keras 3.
    for layer in getattr(model, "_operations", None) or model.layers:
        name = f"{layer.name} ({type(layer).__name__})"
        if isinstance(layer, Operation):
            name = f"{layer.name} ({layer.kind})"
            shape = layer.output_shape
            rows.append((name, "?" if shape is None else str(tuple(shape)), "0", layer))
            continue
        if layer.built:
            params = f"{layer.count_params():,}"
        else:
            params = "0 (unbuilt)"
        rows.append((name, _shape_text(layer) if layer.built else "?", params, layer))
    return rows


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    """Prints the summary table (to stdout, or through ``print_fn``)."""
    out = print_fn or (lambda s, **kw: sys.stdout.write(s + "\n"))
    line_length = line_length or 88
    positions = positions or [0.45, 0.80, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths = [positions[0]] + [positions[i] - positions[i - 1] for i in range(1, len(positions))]
    widths = [w - 3 for w in widths]
    headers = ("Layer (type)", "Output Shape", "Param #")
    if show_trainable:
        headers += ("Trainable",)
        widths.append(9)

    def cell(text, w, right=False):
        text = str(text)
        if len(text) > w:
            text = text[: w - 1] + "…"
        return text.rjust(w) if right else text.ljust(w)

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(values, bar="│"):
        parts = [cell(v, w, right=(i == 2)) for i, (v, w) in enumerate(zip(values, widths))]
        return bar + bar.join(f" {p} " for p in parts) + bar

    title = "Sequential" if type(model).__name__ == "Sequential" else "Model"
    title = f'{title}: "{model.name}"' if title == "Model" else f'Model: "{model.name}"'
    out(title)
    out(line("┏", "┳", "┓", "━"))
    out(row(headers, "┃"))
    out(line("┡", "╇", "┩", "━"))
    rows = _rows(model)
    for i, (name, shape, params, layer) in enumerate(rows):
        values = [name, shape, params]
        if show_trainable:
            values.append("-" if isinstance(layer, Operation) else
                          "Y" if layer.trainable else "N")
        out(row(values))
        if i < len(rows) - 1:
            out(line("├", "┼", "┤", "─"))
    out(line("└", "┴", "┘", "─"))
    if not model.built or any(not lay.built for lay in model.layers):
        total = sum(as_array(v).size * as_array(v).itemsize for v in model.weights)
        n = sum(as_array(v).size for v in model.weights)
        out(f" Total params: {n:,} ({_fmt_bytes(total)})")
        if not model.built:
            out(" Note: the model is not built yet (unbuilt layers have no weights). Call it "
                "on data, or build((None, ...)), to see its parameter counts.")
        return
    weights = model.weights
    trainable_ids = {id(v) for v in model.trainable_weights}
    n_all = sum(as_array(v).size for v in weights)
    b_all = sum(as_array(v).nbytes for v in weights)
    n_tr = sum(as_array(v).size for v in weights if id(v) in trainable_ids)
    b_tr = sum(as_array(v).nbytes for v in weights if id(v) in trainable_ids)
    out(f" Total params: {n_all:,} ({_fmt_bytes(b_all)})")
    out(f" Trainable params: {n_tr:,} ({_fmt_bytes(b_tr)})")
    out(f" Non-trainable params: {n_all - n_tr:,} ({_fmt_bytes(b_all - b_tr)})")
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "variables", None):
        try:
            n_opt = sum(int(as_array(v).size) for v in opt.variables if isinstance(v, Tensor))
            b_opt = sum(int(as_array(v).nbytes) for v in opt.variables if isinstance(v, Tensor))
        except Exception:
            n_opt = 0
        if n_opt > 1:
            out(f" Optimizer params: {n_opt:,} ({_fmt_bytes(b_opt)})")
