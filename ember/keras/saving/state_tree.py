"""Where each variable of a model goes in a Keras 3 weights file.

Keras 3 walks a model's attributes and writes each layer's (and the optimizer's) own
variables under ``<path>/vars/<i>``: ``layers/dense/vars/0`` for the first Dense of a
Sequential or functional model ('dense', 'dense_1', ... counted per class within each
list), ``<attribute>/...`` for a subclassed model's sublayers (attributes in sorted order,
private ones last, each object written once, where first met), ``optimizer/vars/<i>``
for the optimizer (iterations, learning rate, then the slots). A layer's own variables
are its trainable ones then its non-trainable ones, each in creation order.

``entries(model)`` lists ``(path, name, variables)`` in that walk order; the ``.keras``
and ``.weights.h5`` writers and readers share it, so both agree with Keras 3.
"""

from __future__ import annotations

from ember.keras.naming import to_snake_case

# Ember's bookkeeping attributes (not sublayers a user assigned): never walked.
_INTERNAL = frozenset({
    "_layers", "_layers_list", "_operations", "_nodes", "_node_is_layer",
    "_node_symbolic_kwargs", "_tracked_weights", "_collect_cache", "_inbound_nodes",
    "_outbound_nodes", "_regularizers_list", "_losses", "compiled_loss", "compiled_metrics",
    "history", "_keras_history", "_initial_weights", "_train_state", "_keras_input",
    "_keras_output", "_input_kt", "_symbolic_output", "_inputs_struct", "_outputs_struct",
    "_loss_tracker", "_compile_config", "loss", "input_spec", "activity_regularizer",
    "_model", "_call_signature", "_input_layer",
})


# Properties of Ember's Model/Sequential/Functional that are not sublayer attributes.
_SKIPPED_PROPERTIES = frozenset({"layers", "inputs", "outputs", "input", "output", "metrics",
                                 "metrics_names", "weights", "variables", "trainable_weights",
                                 "non_trainable_weights", "trainable_variables",
                                 "non_trainable_variables", "submodules", "losses",
                                 "input_shape", "output_shape", "trainable"})


def own_variables(layer) -> list:
    """The layer's own variables in Keras's order: trainable, then non-trainable."""
    own = layer._collect()[0]
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _children(obj):
    from ember.keras.layers.layer import Layer
    from ember.keras.models.functional import Functional
    from ember.keras.models.sequential import Sequential
    from ember.keras.saving.graph_config import keras_operation_order

    attrs = []
    if isinstance(obj, Functional):
        attrs.append(("layers", keras_operation_order(obj)))
    elif isinstance(obj, Sequential):
        attrs.append(("layers", obj.layers))
    items = dict(obj.__dict__)
    # Public properties of the layer's own classes (Keras's MultiHeadAttention exposes
    # ``query_dense`` for ``_query_dense``): Keras walks dir(), so they come first.
    for cls in type(obj).__mro__:
        if cls.__module__.startswith("ember.keras.layers.layer") or cls is object:
            break
        for key, value in vars(cls).items():
            if isinstance(value, property) and not key.startswith("_") and key not in items \
                    and key not in _SKIPPED_PROPERTIES:
                try:
                    items[key] = getattr(obj, key)
                except Exception:  # a property that fails (not built yet) holds no layer
                    continue
    from ember.keras.models.model import Model
    if isinstance(obj, Model) and not isinstance(obj, (Functional, Sequential)):
        items["layers"] = obj.layers  # a property in Keras, visited among the attributes
    for key in sorted(items, key=_name_key):
        if key.startswith("__") or key in _INTERNAL:
            continue
        value = items[key]
        if isinstance(value, (Layer, list, tuple, dict)) or _is_optimizer(value):
            attrs.append((key, value))
    return attrs


def _is_optimizer(value):
    from ember.keras.optimizers import Optimizer
    return isinstance(value, Optimizer)


def entries(model, include_optimizer=True) -> list:
    """``(path, name, variables)`` for the model, its layers and its optimizer."""
    return [(path, obj.name, variables)
            for path, obj, variables in walk(model, include_optimizer)]


def walk(model, include_optimizer=True) -> list:
    """``(path, object, variables)`` for the model, its layers and its optimizer, in
    Keras 3's order: the objects whose assets (a lookup layer's vocabulary) go to
    ``assets/<path>/`` of a ``.keras`` file, and the variables of each."""
    from ember.keras.layers.layer import Layer

    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        if _is_optimizer(obj):
            if include_optimizer:
                out.append((path, obj, optimizer_variables(obj, model)))
            return
        out.append((path, obj, own_variables(obj)))
        for attr, child in _children(obj):
            child_path = f"{path}/{attr}" if path else attr
            if isinstance(child, Layer) or _is_optimizer(child):
                visit(child, child_path)
            else:
                container(child, child_path, set())

    def container(items, path, seen):
        if id(items) in seen:
            return
        seen.add(id(items))
        used = {}
        values = list(items.values()) if isinstance(items, dict) else list(items)
        for value in values:
            if isinstance(value, Layer) or _is_optimizer(value):
                base = to_snake_case(type(value).__name__)
                name = _unique(base, used)
                visit(value, f"{path}/{name}")
            elif isinstance(value, (list, tuple, dict)):
                container(value, f"{path}/{_unique('container', used)}", seen)

    visit(model, "")
    return out


def saved_arrays(model) -> list:
    """``(path, object, {key: array or None})`` for the objects that keep state beside
    their variables (``_saved_arrays()``: a tf_idf lookup's ``idf_weights``), stored at
    ``<path>/vars/<key>`` as Keras 3's ``save_own_variables`` stores it."""
    return [(path, obj, obj._saved_arrays()) for path, obj, _ in walk(model, False)
            if callable(getattr(obj, "_saved_arrays", None))]


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def trainable_order(layer, seen=None) -> list:
    """The model's trainable variables in Keras 3's order (a functional model's layers in
    Keras's operation order), which fixes the order of the optimizer's slots in a file."""
    from ember.keras.models.functional import Functional
    from ember.keras.saving.graph_config import keras_operation_order

    seen = set() if seen is None else seen
    out = []
    for v in layer._collect()[0]:
        if v.trainable and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    subs = keras_operation_order(layer) if isinstance(layer, Functional) else \
        layer._collect()[1]
    for sub in subs:
        if sub.trainable:
            out.extend(trainable_order(sub, seen))
    return out


# Slots Keras 3's base Optimizer creates for all variables before the subclass's own slots.
_BASE_SLOTS = ("average", "gradient_accumulator")


def optimizer_variables(optimizer, model) -> list:
    """The optimizer's variables as Keras 3 lays them out: iterations, the learning rate
    (when it is a number), each base slot for every variable, then each variable's own
    slots together."""
    head = optimizer.variables[:len(optimizer.variables) - len(optimizer._slot_variables)]
    if not optimizer.built:
        return head
    order = [v for v in trainable_order(model) if id(v) in optimizer._state]
    known = {id(v) for v in order}
    order += [v for v in optimizer._trainable_variables if id(v) not in known]
    states = [optimizer._state[id(v)] for v in order]
    out = list(head)
    for name in _BASE_SLOTS:
        out += [st.slot_variables[name] for st in states if name in st.slot_variables]
    for st in states:
        out += [slot for name, slot in st.slot_variables.items() if name not in _BASE_SLOTS]
    return out
