"""Sequential and functional models as Keras 3 configs: the layer list, and for a
functional model each layer's calls (``inbound_nodes``) naming the tensors they read as
``[layer name, node index, tensor index]``.

The layers of a functional model are listed in Keras 3's order (by depth from the
inputs, then by first visit of a depth-first walk from the outputs), which also fixes
the names of their groups in the weights file ('dense', 'dense_1', ...).
"""

from __future__ import annotations

from ember import nest
from ember.keras.saving.config import (
    SerializationError,
    _as_shape,
    current_safe_mode,
    deserialize_layer,
    serialize_keras_object,
    serialize_layer,
)


def _input_layer_config(batch_shape, dtype="float32", name=None):
    config = {"batch_shape": [None if d is None else int(d) for d in batch_shape],
              "dtype": dtype, "sparse": False, "ragged": False}
    if name is not None:
        config["name"] = name
    return {"module": "keras.layers", "class_name": "InputLayer", "config": config,
            "registered_name": None}


def _layer_config_without_input_shape(layer):
    out = serialize_layer(layer)
    out["config"].pop("batch_input_shape", None)  # Keras 3 layers refuse it; the InputLayer
    return out                                  # entry carries the shape instead


def sequential_config(model) -> dict:
    layers = []
    shape = model._input_batch_shape
    if shape is not None:
        kt = getattr(model, "_input_kt", None)
        name = kt.node.layer.name if kt is not None else None
        dtype = kt.node.layer.dtype if kt is not None else model.dtype
        layers.append(_input_layer_config(shape, dtype, name))
    layers += [_layer_config_without_input_shape(layer) for layer in model.layers]
    return {"name": model.name, "trainable": model.trainable, "dtype": model.dtype,
            "layers": layers, "build_input_shape": None if shape is None else list(shape)}


def sequential_from_config(config, custom_objects=None, safe_mode=None,
                           label="Sequential config"):
    from ember.keras.layers.input_layer import InputLayer
    from ember.keras.models.sequential import Sequential

    safe_mode = current_safe_mode() if safe_mode is None else safe_mode
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise SerializationError(f"{label}: 'layers' must be a list.")
    model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SerializationError(f"{label}: layer {i} is not a config dict.")
        layer = deserialize_layer(entry, custom_objects, safe_mode, where=f"{label}, layer {i}")
        model.add(layer, rebuild=False) if not isinstance(layer, InputLayer) else model.add(layer)
    shape = config.get("build_input_shape")
    if model._input_batch_shape is None and isinstance(shape, list):
        model._input_batch_shape = tuple(shape)
    model._maybe_rebuild()
    return model


# -- functional ------------------------------------------------------------------------------
def _parents(node):
    return [t.node for t in node.input_tensors]


def keras_operation_order(model) -> list:
    """The model's layers in the order Keras 3 lists them (``Functional.layers``)."""
    from ember.keras.layers.input_layer import InputLayer

    flat_in = nest.flatten(model._inputs_struct)
    order, finished, index = [], set(), {}

    def visit(t):
        # Iterative post-order DFS (deep graphs would hit the recursion limit).
        stack = [(t.node, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in finished and not expanded:
                continue
            if expanded:
                if id(node) not in finished:
                    finished.add(id(node))
                    order.append(node)
                continue
            index.setdefault(id(node.layer), (len(index), node.layer))
            stack.append((node, True))
            if not isinstance(node.layer, InputLayer):
                for parent in reversed(_parents(node)):
                    if id(parent) not in finished:
                        stack.append((parent, False))

    for t in nest.flatten(model._outputs_struct):
        visit(t)
    node_depth, op_depth = {}, {}
    in_graph = {id(n) for n in order}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.layer), (0,))[0])
        op_depth[id(node.layer)] = (depth, node.layer)
        node_depth[id(node)] = depth
        if not isinstance(node.layer, InputLayer):
            for parent in _parents(node):
                if id(parent) in in_graph:
                    node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in flat_in:
        if id(t.node.layer) not in op_depth:
            op_depth[id(t.node.layer)] = (0, t.node.layer)
            index[id(t.node.layer)] = (-1, t.node.layer)
    ops = sorted(op_depth.values(), key=lambda d: (-d[0], index[id(d[1])][0]))
    return [layer for _, layer in ops]


def _node_index_map(model):
    """id(node) -> (layer name, index of this call among the layer's calls in the model)."""
    from ember.keras.layers.input_layer import InputLayer

    out, counts = {}, {}
    for t in nest.flatten(model._inputs_struct):
        if isinstance(t.node.layer, InputLayer):
            out[id(t.node)] = (t.node.layer.name, 0)
    for node in model._nodes:
        n = counts.get(id(node.layer), 0)
        counts[id(node.layer)] = n + 1
        out[id(node)] = (node.layer.name, n)
    return out


def functional_config(model) -> dict:
    from ember.keras.layers.layer import Layer
    from ember.keras.layers.symbolic import KerasTensor

    for op in model._operations:
        if not isinstance(op, Layer):
            raise SerializationError(
                f"Model '{model.name}' applies the operation '{op.name}' to symbolic tensors "
                "(arithmetic such as x * 2 on keras.Input); Ember cannot serialize those yet. "
                "Use layers (keras.layers.Add, Multiply, Rescaling, ...) instead.")
    where = _node_index_map(model)

    def tensor(t):
        if not isinstance(t, KerasTensor):
            return serialize_keras_object(t)
        if id(t.node) not in where:
            raise SerializationError(f"Model '{model.name}': tensor {t} comes from outside "
                                     "the model.")
        name, node_index = where[id(t.node)]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype.name,
                           "keras_history": [name, node_index, t.index]}}

    nodes_of = {}
    for node in model._nodes:
        nodes_of.setdefault(id(node.layer), []).append(node)
    layers = []
    for layer in keras_operation_order(model):
        entry = _layer_config_without_input_shape(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": [nest.map_structure(tensor, node.inputs)]
             + [nest.map_structure(tensor, a) for a in node.args],
             "kwargs": {k: nest.map_structure(tensor, v) for k, v in node.kwargs.items()}}
            for node in nodes_of.get(id(layer), [])]
        layers.append(entry)

    def history(t):
        name, node_index = where[id(t.node)]
        return [name, node_index, t.index]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _struct(model._inputs_struct, history),
            "output_layers": _struct(model._outputs_struct, history)}


def _struct(value, fn):
    if isinstance(value, dict):
        return {k: fn(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [fn(v) for v in value]
    return fn(value)


def _accepted(layer, kwargs):
    """``kwargs`` without the ``None`` ones ``layer.call`` does not take: Keras 3 records
    ``mask=None`` for layers whose call accepts a mask where Ember's may not."""
    import inspect
    try:
        params = inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params or v is not None}


def _is_history(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def functional_from_config(cls, config, custom_objects=None, safe_mode=None,
                           label="Functional config"):
    from ember.keras.layers.input_layer import InputLayer

    safe_mode = current_safe_mode() if safe_mode is None else safe_mode
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise SerializationError(f"{label}: 'layers' must be a list.")
    layers, pending = {}, []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SerializationError(f"{label}: layer {i} is not a config dict.")
        layer = deserialize_layer(entry, custom_objects, safe_mode, where=f"{label}, layer {i}")
        name = entry.get("name", layer.name)
        if name in layers:
            raise SerializationError(f"{label}: two layers are named '{name}'.")
        layers[name] = layer
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise SerializationError(f"{label}: 'inbound_nodes' of '{name}' must be a list.")
        if isinstance(layer, InputLayer):
            continue
        for n, node in enumerate(nodes):
            pending.append((name, n, node))
    tensors = {}  # (layer name, node index) -> outputs (a structure)
    for name, layer in layers.items():
        if isinstance(layer, InputLayer):
            tensors[(name, 0)] = layer.output

    def lookup(history):
        name, node_index, tensor_index = history
        if (name, node_index) not in tensors:
            raise KeyError(name)
        flat = nest.flatten(tensors[(name, node_index)])
        if not 0 <= tensor_index < len(flat):
            raise SerializationError(f"{label}: layer '{name}' call {node_index} has no output "
                                     f"{tensor_index}.")
        return flat[tensor_index]

    def value(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            history = (v.get("config") or {}).get("keras_history")
            if not _is_history(history):
                raise SerializationError(f"{label}: bad keras_history {history!r}.")
            return lookup(history)
        if isinstance(v, dict):
            return {k: value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    progress = True
    while pending and progress:
        progress, waiting = False, []
        for name, n, node in pending:
            if (name, n - 1) not in tensors and n > 0:
                waiting.append((name, n, node))
                continue
            if not isinstance(node, dict) or not isinstance(node.get("args", []), list):
                raise SerializationError(f"{label}: a call of layer '{name}' is malformed.")
            try:
                args = [value(a) for a in node.get("args", [])]
                kwargs = {k: value(v) for k, v in (node.get("kwargs") or {}).items()}
            except KeyError:
                waiting.append((name, n, node))
                continue
            if not args:
                raise SerializationError(f"{label}: a call of layer '{name}' has no inputs.")
            kwargs = _accepted(layers[name], kwargs)
            try:
                tensors[(name, n)] = layers[name](args[0], *args[1:], **kwargs)
            except SerializationError:
                raise
            except Exception as e:
                raise SerializationError(f"{label}: calling layer '{name}' while rebuilding the "
                                         f"model failed: {e}") from None
            progress = True
        pending = waiting
    if pending:
        raise SerializationError(f"{label}: the layer calls cannot be ordered; layer "
                                 f"'{pending[0][0]}' reads tensors that no layer produces.")

    def ends(spec, what):
        if _is_history(spec):
            return lookup(spec)
        if isinstance(spec, dict):
            return {k: ends(v, what) for k, v in spec.items()}
        if isinstance(spec, list):
            return [ends(v, what) for v in spec]
        raise SerializationError(f"{label}: bad {what} {spec!r}.")

    try:
        inputs = ends(config.get("input_layers"), "input_layers")
        outputs = ends(config.get("output_layers"), "output_layers")
    except KeyError as e:
        raise SerializationError(f"{label}: input/output layer {e} is not in the model.") from None
    # A one-element list of outputs stays a list, as Keras keeps the structure it wrote.
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


__all__ = ["keras_operation_order", "functional_config", "sequential_config",
           "functional_from_config", "sequential_from_config", "_as_shape"]
