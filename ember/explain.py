"""``tape.explain``: backpropagation told on real numbers, op by op.

The forward part lists what the tape recorded, in the order the ops ran, each with its
formula and numbers (``z = w₀ + w₁·x₁ + w₂·x₂ = 1 + 3·4 + (-2)·2 = 9``). The backward
part walks the same records newest first with the tape's own backward pass
(``GradientTape._backward``, the registry ``ember.record.GRADIENTS``): every gradient shown
is the one the op's rule returned, next to the rule written out
(``∂L/∂w₁ = x₁·∂L/∂z = 4·(-0.00012339) = -0.00049355``). One source of truth: what
explain prints is what ``tape.gradient`` computes.

Tensors of more than ``_SMALL`` elements are summarised by shape, mean, min and max.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ember.nest import flatten
from ember.tensor import Tensor, Variable

_SMALL = 6  # a tensor with at most this many elements is printed in full
_EXPAND = 6  # a one-element matmul/Dense with at most this many terms is written out
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# op -> (forward formula, one backward formula per input; None: that input gets none).
# {0}, {1}, {2}: the inputs' names; {out}: the output's; {g}: ∂L/∂out; {n}: elements
# reduced. The formulas describe what each rule in ember/ops computes.
_FORMULAS = {
    "Add": ("{0} + {1}", ("{g}", "{g}")),
    "Sub": ("{0} - {1}", ("{g}", "-{g}")),
    "Mul": ("{0}·{1}", ("{1}·{g}", "{0}·{g}")),
    "RealDiv": ("{0} / {1}", ("{g} / {1}", "-{0}·{g} / {1}²")),
    "Neg": ("-{0}", ("-{g}",)),
    "Pow": ("{0}^{1}", ("{1}·{0}^({1} - 1)·{g}", "log({0})·{out}·{g}")),
    "Square": ("{0}²", ("2·{0}·{g}",)),
    "Sqrt": ("√{0}", ("{g} / (2·{out})",)),
    "Rsqrt": ("1 / √{0}", ("-{out}³·{g} / 2",)),
    "Exp": ("exp({0})", ("{out}·{g}",)),
    "Log": ("log({0})", ("{g} / {0}",)),
    "Log1p": ("log(1 + {0})", ("{g} / (1 + {0})",)),
    "Expm1": ("exp({0}) - 1", ("({out} + 1)·{g}",)),
    "Abs": ("|{0}|", ("sign({0})·{g}",)),
    "Sin": ("sin({0})", ("cos({0})·{g}",)),
    "Cos": ("cos({0})", ("-sin({0})·{g}",)),
    "Sigmoid": ("σ({0})", ("{out}·(1 - {out})·{g}",)),
    "Tanh": ("tanh({0})", ("(1 - {out}²)·{g}",)),
    "Relu": ("max(0, {0})", ("[{0} > 0]·{g}",)),
    "LeakyRelu": ("leaky_relu({0})", ("[{0} > 0 ? 1 : α]·{g}",)),
    "Elu": ("elu({0})", ("elu'({0})·{g}",)),
    "Gelu": ("gelu({0})", ("gelu'({0})·{g}",)),
    "Softplus": ("log(1 + exp({0}))", ("σ({0})·{g}",)),
    "Maximum": ("max({0}, {1})", ("[{0} ≥ {1}]·{g}", "[{1} > {0}]·{g}")),
    "Minimum": ("min({0}, {1})", ("[{0} ≤ {1}]·{g}", "[{1} < {0}]·{g}")),
    "MatMul": ("{0} @ {1}", ("{g} @ {1}ᵀ", "{0}ᵀ @ {g}")),
    "Sum": ("Σ {0}", ("{g}, copied to each of the {n} terms",)),
    "Mean": ("mean({0})", ("{g} / {n}",)),
    "Max": ("max({0})", ("{g} where {0} is largest",)),
    "Min": ("min({0})", ("{g} where {0} is smallest",)),
    "Softmax": ("softmax({0})", ("{out}·({g} - Σ {g}·{out})",)),
    "LogSoftmax": ("log softmax({0})", ("{g} - softmax({0})·Σ {g}",)),
    "SoftmaxCE": ("-Σ {0}·log softmax({1})", ("-log softmax({1})·{g}",
                                             "(softmax({1})·Σ {0} - {0})·{g}")),
    "SparseSoftmaxCE": ("-log softmax({0})[label]", ("(softmax({0}) - onehot(label))·{g}",)),
    "Reshape": ("reshape({0})", ("reshape({g})",)),
    "Identity": ("{0}", ("{g}",)),
    "Cast": ("cast({0})", ("{g}",)),
    "Transpose": ("{0}ᵀ", ("{g}ᵀ",)),
    "SelectV2": ("where({c}, {0}, {1})", ("where({c}, {g}, 0)", "where({c}, 0, {g})")),
    "ClipByValue": ("clip({0})", ("{g} where {0} is inside the bounds",)),
    "BroadcastTo": ("broadcast({0})", ("Σ {g} over the broadcast axes",)),
    "StridedSlice": ("{0}[…]", ("{g} placed back into zeros",)),
    "GatherV2": ("gather({0})", ("{g} added back at the gathered rows",)),
    "MaxPool": ("maxpool({0})", ("{g} sent to the largest input of each window",)),
    "AvgPool": ("avgpool({0})", ("{g} shared equally by the inputs of each window",)),
}


# Ops that fuse a bias and an activation (attrs["act"]): the core formula and the rules
# for (input, weights, bias) before the activation's slope.
_FUSED = {
    "Dense": ("{0} @ {1}", ("{g} @ {1}ᵀ", "{0}ᵀ @ {g}", "Σ_batch {g}")),
    "Conv2D": ("{0} ⊛ {1}", ("{g} ⊛ᵀ {1} (the transposed convolution)",
                             "{0} ⋆ {g} (input windows times gradients)",
                             "Σ over batch and positions of {g}")),
}


def _subscript(name: str) -> str:
    """``w0`` -> ``w₀``, ``x_1`` -> ``x₁``, ``y_hat`` -> ``ŷ``."""
    if name.endswith("_hat") and len(name) == 5:
        return unicodedata.normalize("NFC", name[0] + "\u0302")  # y + ̂  -> ŷ
    head = name.rstrip("0123456789")
    digits = name[len(head):]
    if digits and head:
        return head.rstrip("_") + digits.translate(_SUB)
    return name


def _number(v) -> str:
    """One number to 5 significant digits; negatives in parentheses, as a term is written."""
    text = _plain(v)
    return f"({text})" if text.startswith("-") else text


def _plain(v) -> str:
    v = float(v)
    return "0" if v == 0 else f"{v:.5g}"  # no "-0"


def summarize(a: np.ndarray) -> str:
    """A value as text: the number, the small array, or shape/mean/min/max of a large one."""
    a = np.asarray(a)
    if a.size == 1:
        return _plain(a.reshape(()))
    if a.size == 0:
        return f"(empty, shape {a.shape})"
    if a.size <= _SMALL:
        return _nested(a.astype(np.float64))
    f = a.astype(np.float64)
    return (f"shape {a.shape}, mean {_plain(f.mean())}, min {_plain(f.min())}, "
            f"max {_plain(f.max())}")


def _nested(a: np.ndarray) -> str:
    """``[[-0.00049353], [-0.00024676]]``: a small array on one line."""
    if a.ndim == 0:
        return _plain(a)
    return "[" + ", ".join(_nested(row) for row in a) + "]"


class _Names:
    """Display names: given names, then Variable names; op outputs t₁, t₂, ...; constants
    their value (one number) or c₁, c₂, ... ."""

    def __init__(self, given: dict, target, watched=frozenset()):
        self._watched = watched  # ids of watched tensors: named, never shown as a value
        self._by_id: dict = {}
        self._held: list = []  # keeps named tensors alive so their ids stay theirs
        for name, t in given.items():
            if isinstance(t, Tensor) and id(t) not in self._by_id:
                self._by_id[id(t)] = _subscript(name)
                self._held.append(t)
        if isinstance(target, Tensor) and id(target) not in self._by_id:
            self._by_id[id(target)] = "L"
        self._count = 0
        self._constants = 0

    def __call__(self, t) -> str:
        name = self._by_id.get(id(t))
        if name is None:
            if isinstance(t, Variable):
                name = _subscript(t.name.split(":")[0].split("/")[-1])
                if name in self._by_id.values():  # two layers' "kernel": use the paths
                    name = t.path.split(":")[0]
            elif t._value.size == 1 and id(t) not in self._watched:
                name = _plain(t._value.reshape(()))  # an unnamed constant: its value
            else:  # an unnamed input that no recorded op made: a constant
                self._constants += 1
                name = "c" + str(self._constants).translate(_SUB)
            self._by_id[id(t)] = name
            self._held.append(t)
        return name

    def name_output(self, t) -> str:
        # Op outputs are named in forward order, before any constant gets a name.
        if id(t) not in self._by_id:
            self._count += 1
            self._by_id[id(t)] = "t" + str(self._count).translate(_SUB)
            self._held.append(t)
        return self._by_id[id(t)]

    def element(self, t, i: int) -> str:
        base = self(t)
        if t._value.size == 1:
            return base
        if base[-1:] in "₀₁₂₃₄₅₆₇₈₉":
            return f"{base}[{i + 1}]"
        return base + str(i + 1).translate(_SUB)


def _fill(template: str, slots: dict) -> str:
    out = template
    for key, value in slots.items():
        out = out.replace("{" + key + "}", value)
    return out


def _numeric(template: str, tensors: dict, extra: dict) -> str | None:
    """The template with numbers in place of names, if every tensor in it is one number."""
    slots = dict(extra)
    for key, t in tensors.items():
        if "{" + key + "}" not in template:
            continue
        if t is None or np.size(t) != 1:
            return None
        slots[key] = _number(np.asarray(t).reshape(()))
    return _fill(template, slots)


def _condition(attrs) -> dict:
    """``{"c": "True"}``: a one-element ``where`` condition, shown by its value."""
    c = (attrs or {}).get("condition")
    if c is None or np.size(c) != 1:
        return {"c": "c"}
    return {"c": str(bool(np.asarray(c).reshape(())))}


def _grad_name(target_name: str, name: str) -> str:
    return f"∂{target_name}/∂{name}"


class Explanation:
    """What ``tape.explain`` found: ``.text`` (printed), ``.records`` (one dict per line).

    Each record has ``phase`` ('forward', 'backward' or 'gradient'), ``step`` (the op's
    place in forward order, from 1; None for 'gradient'), ``op``, ``name`` (the tensor the
    line is about), ``formula``, ``value`` (an ndarray; None for an unconnected source)
    and ``text``. Forward records add ``inputs`` (names); backward records add ``of`` (the
    op's output) and ``accumulates`` (True when this is a second or later path into the
    tensor). ``.gradients`` holds each source's gradient (None if unconnected), ``.ops``
    the number of ops recorded and ``.skipped`` how many ops the text left out (forward
    and backward counted separately).
    """

    def __init__(self, text: str, records: list, gradients: list, ops: int, skipped: int):
        self.text = text
        self.records = records
        self.gradients = gradients
        self.ops = ops
        self.skipped = skipped

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return (f"<Explanation: {self.ops} ops, {len(self.records)} records; print it or "
                "read .records>")


def _forward_formula(op, out, inputs, attrs, names):
    """(symbolic formula, numeric formula or None) of one recorded op."""
    ins = {str(i): names(x) for i, x in enumerate(inputs)}
    if op in ("Dense", "MatMul"):
        expanded = _expand_product(op, out, inputs, attrs, names)
        if expanded is not None:
            return expanded
    if op in _FUSED:
        act = (attrs or {}).get("act")
        core = _FUSED[op][0] + (" + {2}" if len(inputs) == 3 else "")
        sym = _fill(f"{act}({core})" if act else core, ins)
        return sym, None
    template = _FORMULAS.get(op, (None,))[0]
    if template is None:
        args = ", ".join("{" + str(i) + "}" for i in range(len(inputs)))
        template = f"{op}({args})"
    sym = _fill(template, {**ins, "c": "c"})
    values = {str(i): x._value for i, x in enumerate(inputs)}
    return sym, _numeric(template, values, _condition(attrs))


def _expand_product(op, out, inputs, attrs, names):
    """``w₀ + w₁·x₁ + w₂·x₂`` for a Dense or matmul with one output number."""
    attrs = attrs or {}
    if out._value.size != 1 or attrs.get("ta") or attrs.get("tb"):
        return None
    x, w = inputs[0], inputs[1]
    k = x._value.size
    if k > _EXPAND or w._value.size != k:
        return None
    xv, wv = x._value.ravel(), w._value.ravel()
    if op == "Dense":  # the seed's order: w₀ + Σ wᵢ·xᵢ
        terms = [(names.element(w, i), names.element(x, i), wv[i], xv[i]) for i in range(k)]
    else:
        terms = [(names.element(x, i), names.element(w, i), xv[i], wv[i]) for i in range(k)]
    sym = " + ".join(f"{a}·{b}" for a, b, _, _ in terms)
    num = " + ".join(f"{_number(va)}·{_number(vb)}" for _, _, va, vb in terms)
    if op == "Dense" and len(inputs) == 3:
        sym = f"{names(inputs[2])} + {sym}"
        num = f"{_number(inputs[2]._value.ravel()[0])} + {num}"
    act = attrs.get("act") if op == "Dense" else None
    if act:
        sym, num = f"{act}({sym})", f"{act}({num})"
    return sym, num


def _backward_lines(op, out, inputs, attrs, g, passed, names, lname):
    """[(input, element index or None, symbolic, numeric or None, value)] for one rule call."""
    gname = _grad_name(lname, names(out))
    attrs = attrs or {}
    act = attrs.get("act") if op in _FUSED else None
    # What multiplies ∂L/∂out inside a fused activation.
    slope = {"relu": "[{out} > 0]·", "tanh": "(1 - {out}²)·"}.get(act, "")
    lines = []
    expanded = (op in ("Dense", "MatMul") and _expand_product(op, out, inputs, attrs, names)
                is not None)
    for i, (x, gx) in enumerate(zip(inputs, passed)):
        if gx is None:
            continue
        gv = gx._value
        if expanded and i < 2:
            other = inputs[1 - i]
            for j in range(x._value.size):
                sym = f"{names.element(other, j)}·{slope}{gname}"
                num = _numeric("{o}·" + slope + "{g}",
                               {"o": other._value.ravel()[j], "g": g._value, "out": out._value},
                               {})
                lines.append((x, j, _fill(sym, {"out": names(out)}), num, gv.ravel()[j]))
            continue
        if op in _FUSED:
            template = _FUSED[op][1][i]
            if op == "Dense" and i == 2 and inputs[0]._value.shape[0] == 1:
                template = "{g}"  # one example: nothing to sum over
            template = template.replace("{g}", slope + "{g}")
        else:
            formulas = _FORMULAS.get(op, (None, ()))[1]
            template = formulas[i] if i < len(formulas) and formulas[i] else None
            if template is None:
                template = f"the {op} rule applied to {{g}}"
        n = max(1, int(inputs[0]._value.size // max(1, out._value.size)))
        slots = {str(k): names(v) for k, v in enumerate(inputs)}
        slots.update(out=names(out), g=gname, n=str(n))
        values = {str(k): v._value for k, v in enumerate(inputs)}
        values.update(out=out._value, g=g._value)
        lines.append((x, None, _fill(template, {**slots, "c": "c"}),
                      _numeric(template, values, {"n": str(n), **_condition(attrs)}),
                      gv))
    return lines


def explain(tape, target, sources=None, names=None, max_ops=40) -> Explanation:
    """Explains ``tape``'s computation of ``target`` and its gradient w.r.t. ``sources``.

    Args:
        tape: the GradientTape that recorded the computation (it is not used up:
            ``tape.gradient`` still works afterwards).
        target: the tensor to differentiate (the loss L).
        sources: a tensor or a (nested) list or dict of tensors; default: the variables
            the tape watched. ``.gradients`` lists theirs in ``tf.nest.flatten`` order.
        names: ``{name: tensor}`` naming tensors in the text (``{"z": z, "y_hat": y_hat}``
            prints ``z`` and ``ŷ``); unnamed op outputs are t₁, t₂, ...; variables keep
            their own names; the target is L.
        max_ops: at most this many ops are printed per direction (half from each end);
            None prints all.
    """
    if tape._used and not tape._persistent:
        raise RuntimeError(
            "This tape's records were freed by tape.gradient (a non-persistent tape is used "
            "once). Call tape.explain before tape.gradient, or use "
            "tf.GradientTape(persistent=True).")
    if not tape._entries:
        raise ValueError(
            "The tape recorded no operations, so there is nothing to explain. A tape records "
            "only ops that use a watched tensor: use a tf.Variable (watched automatically) "
            "or call tape.watch(x) on a constant inside the `with tf.GradientTape() as "
            "tape:` block, before computing with it.")
    if not isinstance(target, Tensor) or id(target) not in tape._ids:
        raise ValueError(
            "The target was not computed from anything this tape watched, so its gradient is "
            "None. Compute it inside the `with tf.GradientTape() as tape:` block from a "
            "tf.Variable or from a tensor passed to tape.watch.")
    if sources is None:
        sources = list(tape.watched_variables()) or list(tape._watched)
    flat_sources = flatten(sources)
    for s in flat_sources:
        if not isinstance(s, Tensor):
            raise TypeError("explain sources must be tensors or variables; received "
                            f"{type(s).__name__}.")
    if max_ops is not None and (not isinstance(max_ops, int) or max_ops < 2):
        raise ValueError(f"max_ops must be an integer >= 2 or None; received {max_ops!r}.")

    names_ = _Names(dict(names or {}), target, tape._ids)
    entries = list(tape._entries)
    _name_weighted_sum(entries, names_)
    # Name every op output in forward order first, so t₁, t₂ follow the forward pass.
    for _, out, _, _ in entries:
        names_.name_output(out)
    step_of = {id(out): i + 1 for i, (_, out, _, _) in enumerate(entries)}
    lname = names_(target)
    records: list = []

    fwd_text = []
    for i, (op, out, inputs, attrs) in enumerate(entries):
        sym, num = _forward_formula(op, out, inputs, attrs, names_)
        value = summarize(out._value)
        line = f"{names_(out)} = {sym}" + _tail(num, sym, value, out._value.size)
        records.append({"phase": "forward", "step": i + 1, "op": op, "name": names_(out),
                        "inputs": [names_(x) for x in inputs], "formula": sym,
                        "value": out.numpy(), "text": line})
        fwd_text.append((i + 1, op, line))

    steps: list = []
    count: dict = {}
    parts: dict = {}  # id(tensor) -> the gradients its uses sent back, in order

    def on_step(op, out, inputs, attrs, g, passed):
        steps.append((op, out, inputs, attrs, g, passed))

    grads = tape._backward([target], [None], flat_sources, on_step=on_step)
    bwd_text = []
    seed_line = f"{_grad_name(lname, lname)} = 1"
    for op, out, inputs, attrs, g, passed in steps:
        step = step_of[id(out)]
        block = []
        paths = parts.get(id(out), [])
        if len(paths) > 1:
            # The multivariable chain rule: a tensor used k times gets the sum of k gradients.
            total = summarize(g._value)
            if g._value.size == 1:
                terms = " + ".join(_number(np.asarray(p).reshape(())) for p in paths)
                sums = f"{terms} = {total}"
            else:
                sums = f"the sum of the {len(paths)} gradients above  → {total}"
            block.append(f"{_grad_name(lname, names_(out))} = {sums}  "
                         f"({names_(out)} was used {len(paths)} times: the paths add up)")
        for x, j, sym, num, gv in _backward_lines(op, out, inputs, attrs, g, passed, names_,
                                                   lname):
            who = names_.element(x, j) if j is not None else names_(x)
            key = (id(x), j)
            count[key] = count.get(key, 0) + 1
            eq = "+=" if count[key] > 1 else "="
            if j is None:
                parts.setdefault(id(x), []).append(np.array(gv))
            line = f"{_grad_name(lname, who)} {eq} {sym}" + _tail(num, sym, summarize(gv),
                                                                    np.size(gv))
            records.append({"phase": "backward", "step": step, "op": op, "name": who,
                            "of": names_(out), "formula": sym, "value": np.array(gv),
                            "accumulates": count[key] > 1, "text": line})
            block.append(line)
        bwd_text.append((step, op, block or ["(no input here needs a gradient)"]))

    result_lines = []
    for s, gs in zip(flat_sources, grads):
        value = None if gs is None else gs.numpy()
        shown = "None (L does not depend on it)" if value is None else summarize(value)
        line = f"{_grad_name(lname, names_(s))} = {shown}"
        records.append({"phase": "gradient", "step": None, "op": None, "name": names_(s),
                        "formula": None, "value": value, "text": line})
        result_lines.append(line)

    out_lines, skipped = _layout(fwd_text, bwd_text, seed_line, result_lines, lname,
                                 [names_(s) for s in flat_sources], max_ops)
    return Explanation("\n".join(out_lines), records, grads, len(entries), skipped)


_ACTIVATIONS = ("Sigmoid", "Tanh", "Relu", "Softmax", "LeakyRelu", "Elu", "Gelu", "Softplus")


def _name_weighted_sum(entries, names) -> None:
    """The seed's z: an unnamed weighted sum feeding the first activation is called z."""
    if "z" in names._by_id.values():
        return
    produced = {id(out) for _, out, _, _ in entries}
    for op, _, inputs, _ in entries:
        if op in _ACTIVATIONS and id(inputs[0]) in produced:
            if id(inputs[0]) not in names._by_id:
                names._by_id[id(inputs[0])] = "z"
                names._held.append(inputs[0])
            return


def _tail(num, sym, value, size) -> str:
    """`` = 1 + 3·4 + (-2)·2 = 9``: the numbers (when they say more than the result), then it."""
    text = ""
    if num is not None and num != sym and num.strip("()") != value:
        text += f" = {num}"
    if sym == value:
        return text
    return text + (f" = {value}" if size <= _SMALL else f"  → {value}")


def _layout(fwd, bwd, seed_line, results, lname, source_names, max_ops):
    width = max([len(op) for _, op, _ in fwd] + [2])
    lines = [f"Forward: {len(fwd)} ops, in the order they ran"]
    skipped = 0

    def shown(items):
        nonlocal skipped
        if max_ops is None or len(items) <= max_ops:
            return items, 0
        head, tail = max_ops // 2, max_ops - max_ops // 2
        skipped_here = len(items) - head - tail
        skipped += skipped_here
        return items[:head] + [None] + items[-tail:], skipped_here

    items, n_skip = shown(fwd)
    for item in items:
        if item is None:
            lines.append(f"  … {n_skip} ops skipped (explain(..., max_ops=None) shows all) …")
            continue
        step, op, line = item
        lines.append(f"  {step:>3}  {op:<{width}}  {line}")
    lines.append("")
    lines.append(f"Backward: the chain rule, from {lname} back to {', '.join(source_names)}")
    lines.append(f"  {'':>3}  {'':<{width}}  {seed_line}")
    items, n_skip = shown(bwd)
    for item in items:
        if item is None:
            lines.append(f"  … {n_skip} ops skipped (explain(..., max_ops=None) shows all) …")
            continue
        step, op, block = item
        for k, line in enumerate(block):
            if k == 0:
                lines.append(f"  {step:>3}  {op:<{width}}  {line}")
            else:
                lines.append(f"  {'':>3}  {'':<{width}}  {line}")
    lines.append("")
    lines.append("Gradients")
    lines.extend("  " + r for r in results)
    return lines, skipped
