"""Functional models: ``Model(inputs, outputs)`` over a graph of layer calls."""

from __future__ import annotations

from ember import nest
from ember.keras.layers.input_layer import InputLayer
from ember.keras.layers.layer import Layer
from ember.keras.layers.symbolic import KerasTensor
from ember.keras.models.model import Model
from ember.keras.models.model_inputs import standardize_input


class Functional(Model):
    """A model defined by connecting layers: ``x = Input((784,)); y = Dense(10)(x);
    Model(x, y)``. Calling it replays the recorded layer calls in order.

    Arithmetic on KerasTensors (``x * 2 + y``) records Operations: they are graph nodes but
    not layers, so ``model.layers`` lists only the layers, as in Keras 3.
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True,
                 **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, dict):
            inputs = dict(inputs)
        flat_in = nest.flatten(inputs)
        flat_out = nest.flatten(outputs)
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise ValueError("All `inputs` and `outputs` of a functional Model must be "
                                 f"symbolic tensors from keras.Input and layer calls; received "
                                 f"{type(t).__name__}.")
        for t in flat_in:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input(); {t} was produced "
                                 f"by layer '{t.node.layer.name}'.")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._nodes = self._order_nodes(flat_in, flat_out)
        # Per node: whether it is a layer (told ``training``) or an Operation (not), and
        # whether its other arguments hold KerasTensors (``mask=``, a second positional
        # tensor) to replace on replay.
        self._node_is_layer = [isinstance(node.layer, Layer) for node in self._nodes]
        self._node_symbolic_kwargs = [
            any(isinstance(v, KerasTensor) for v in nest.flatten(node.kwargs))
            or any(isinstance(v, KerasTensor) for v in nest.flatten(list(node.args)))
            for node in self._nodes]
        operations, seen = [], set()
        for op in [t.node.layer for t in flat_in] + [node.layer for node in self._nodes]:
            if id(op) not in seen:
                seen.add(id(op))
                operations.append(op)
        # Layers and Operations in graph order, as Keras 3's ``_operations`` (the summary's
        # rows); ``layers`` keeps only the layers.
        self._operations = operations
        self._layers_list = [op for op in operations if isinstance(op, Layer)]
        self.built = True
        self._build_shape = nest.map_structure(lambda t: t.shape, inputs)

    @staticmethod
    def _order_nodes(flat_in, flat_out):
        """The layer calls needed for ``flat_out``, each after the calls it depends on."""
        input_ids = {id(t) for t in flat_in}
        order, done, visiting = [], set(), set()
        stack = [(t, False) for t in reversed(flat_out)]
        while stack:
            t, expanded = stack.pop()
            if id(t) in input_ids:
                continue
            node = t.node
            if isinstance(node.layer, InputLayer):
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t} "
                                 f"(input '{node.layer.name}'): it is not among the model's "
                                 "inputs.")
            if id(node) in done:
                continue
            if expanded:
                visiting.discard(id(node))
                done.add(id(node))
                order.append(node)
                continue
            if id(node) in visiting:
                continue
            visiting.add(id(node))
            stack.append((t, True))
            for parent in reversed(node.input_tensors):
                stack.append((parent, False))
        return order

    @property
    def layers(self) -> list:
        return list(self._layers_list)

    @property
    def inputs(self) -> list:
        return nest.flatten(self._inputs_struct)

    @property
    def outputs(self) -> list:
        return nest.flatten(self._outputs_struct)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    def _output_names(self):
        return [t.node.layer.name for t in nest.flatten(self._outputs_struct)]

    def call(self, inputs, training=None, mask=None):
        values = {}
        if isinstance(self._inputs_struct, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"Model '{self.name}' expects a dict of inputs with keys "
                                 f"{sorted(self._inputs_struct)}.")
            for k, t in self._inputs_struct.items():
                values[id(t)] = standardize_input(inputs[k], t, self.name)
        else:
            flat_kt = nest.flatten(self._inputs_struct)
            if isinstance(inputs, dict):
                inputs = self._inputs_by_name(inputs, flat_kt)
            given = nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            if len(given) != len(flat_kt):
                raise ValueError(f"Model '{self.name}' expects {len(flat_kt)} input(s), but it "
                                 f"received {len(given)} input tensors.")
            for t, v in zip(flat_kt, given):
                values[id(t)] = standardize_input(v, t, self.name)
        def value(t):
            return values[id(t)] if isinstance(t, KerasTensor) else t

        for node, is_layer, symbolic_kwargs in zip(self._nodes, self._node_is_layer,
                                                   self._node_symbolic_kwargs):
            args = nest.map_structure(value, node.inputs)
            kwargs = nest.map_structure(value, node.kwargs) if symbolic_kwargs else node.kwargs
            node_args = nest.map_structure(value, list(node.args)) if symbolic_kwargs \
                else node.args
            if is_layer and "training" not in kwargs:
                # Passed down explicitly rather than left to the call context.
                kwargs = {**kwargs, "training": training}
            out = node.layer(args, *node_args, **kwargs)
            for kt, v in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(kt)] = v
        return nest.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def _inputs_by_name(self, inputs, flat_kt):
        """A dict of inputs keyed by the ``Input`` layers' names, in the model's order."""
        names = [t.node.layer.name for t in flat_kt]
        if set(inputs) != set(names):
            raise ValueError(f"Model '{self.name}' received a dict of inputs with keys "
                             f"{sorted(inputs)}, but its inputs are named {names} (the `name=` "
                             "of each keras.Input).")
        return [inputs[n] for n in names]

    def compute_output_shape(self, input_shape):
        return nest.map_structure(lambda t: t.shape, self._outputs_struct)

    def get_config(self):
        """Keras 3's functional config: layers with their calls (``inbound_nodes``) and the
        model's input and output tensors as ``[layer name, call index, tensor index]``."""
        from ember.keras.saving.graph_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ember.keras.saving.graph_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)
