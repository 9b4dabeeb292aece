"""The Layer base class: build weights on first call, then ``call(inputs)`` is ops.

    class CustomPerceptron(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.W = self.add_weight(shape=(input_shape[-1], 1), initializer="random_normal")
        def call(self, inputs):
            return tf.nn.sigmoid(tf.matmul(inputs, self.W))

Sublayers and variables assigned as attributes (also inside lists and dicts) are found
automatically, in assignment order, as Keras tracks them.

Masks travel on tensors (``tensor._keras_mask``), as in Keras 3: ``__call__`` passes the
input's mask as ``mask=`` to a ``call`` that takes one, and attaches
``compute_mask(inputs, mask)`` to the outputs (by default the input's mask when the layer
``supports_masking``, else none).
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from typing import Any

import numpy as np

from ember import dtypes, ops
from ember.keras import constraints as _constraints
from ember.keras import initializers as _initializers
from ember.keras import naming
from ember.keras import regularizers as _regularizers
from ember.keras.layers.symbolic import (
    in_dummy_batch_probe,
    infer_output_shape,
    is_symbolic,
    symbolic_call,
)
from ember.tensor import TRAINABLE_FLAGS, Tensor, Variable, as_array, convert_to_tensor


class _StructureVersion:
    """A counter bumped whenever any layer's attributes change (or a tracked list/dict is
    mutated): ``_collect`` caches what it found and walks the attributes again only after a
    bump, so ``model.trainable_variables`` in a training loop costs a few look-ups."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


_STRUCTURE = _StructureVersion()

# layer -> ((structure version, trainable-flag version), its trainable variables).
_TRAINABLE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _mutating(base, name):
    """``base.name`` that first tells the layers their structure may have changed."""
    original = getattr(base, name)

    def method(self, *args, **kwargs):
        _STRUCTURE.value += 1
        return original(self, *args, **kwargs)
    method.__name__ = name
    return method


class _TrackedList(list):
    """A list held by a layer: changing it tells the layers to look at their attributes again
    (as Keras's ListWrapper does), e.g. ``self.blocks.append(Dense(4))`` after building."""

    for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                  "__setitem__", "__delitem__", "__iadd__", "__imul__"):
        locals()[_name] = _mutating(list, _name)
    del _name


class _TrackedDict(dict):
    """A dict held by a layer; changing it makes the layers look at their attributes again."""

    for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update",
                  "setdefault"):
        locals()[_name] = _mutating(dict, _name)
    del _name


class _CallContext:
    """The state of the layer calls running in one thread.

    Attributes:
        training: the ``training`` flag of the outermost call, inherited by sublayers that
            are not told.
        depth: how deep in nested layer calls we are (0: outside any call).
        loss_holders: layers holding losses from their last call (``add_loss``, activity
            regularizers), cleared when the next outermost call starts, as Keras does,
            without walking the whole model every call.
    """

    __slots__ = ("training", "depth", "loss_holders")

    def __init__(self):
        self.training = None
        self.depth = 0
        self.loss_holders: dict[int, Layer] = {}


class _PerThread(threading.local):
    """Each thread's own _CallContext, as Keras 3 keeps its call context: another thread's
    ``model(x, training=True)`` changes nothing in this one. (One thread-local look-up per
    call, then plain slots: attributes of a threading.local itself cost ~5x more.)"""

    def __init__(self):
        self.context = _CallContext()


_PER_THREAD = _PerThread()


class _CallSignature:
    """What a layer class's ``call`` accepts and computes, found once per class."""

    __slots__ = ("training", "mask", "computes_mask")

    def __init__(self, cls):
        params = inspect.signature(cls.call).parameters
        self.training = "training" in params
        self.mask = "mask" in params
        self.computes_mask = cls.compute_mask is not Layer.compute_mask


class InputSpec:
    """What a layer accepts: rank (``ndim``/``min_ndim``) and fixed axis sizes (``axes``)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype, self.shape = dtype, None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.name = name


_UNSET = object()


def _plain(value):
    """NumPy scalars (also inside tuples and lists) as Python numbers."""
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        return value.item()
    if type(value) in (tuple, list):
        return type(value)(_plain(v) for v in value)
    return value


def _plain_arguments(init):
    """``init`` receiving Python numbers where the caller passed NumPy scalars: course code
    sizes layers with NumPy (``Dense(np.max(y) + 1)``), which Keras 2 accepted; every
    check and config then sees plain ints and floats."""
    @functools.wraps(init)
    def wrapped(self, *args, **kwargs):
        return init(self, *map(_plain, args), **{k: _plain(v) for k, v in kwargs.items()})
    return wrapped


class Layer:
    """Base class of every layer: ``__init__`` stores settings, ``build`` makes weights,
    ``call`` computes outputs from inputs.

    Args:
        trainable: whether the layer's weights are updated by training (default True).
        name: unique name; generated from the class name when None ('dense', 'dense_1').
        dtype: the dtype of the weights and computations (default float32).
        input_shape / input_dim: for the first layer of a Sequential model.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _plain_arguments(cls.__init__)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 autocast: bool = True, input_shape: tuple | int | None = None,
                 input_dim: int | None = None, batch_input_shape: tuple | None = None,
                 batch_size: int | None = None, activity_regularizer: Any = None,
                 input_length: int | None = None, **kwargs):
        allowed = {"weights", "dynamic", "input_dtype"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{ {k: kwargs[k] for k in sorted(unknown)} }")
        object.__setattr__(self, "_tracked_weights", _TrackedList())
        object.__setattr__(self, "_losses", [])
        self.name = name if name is not None else naming.auto_name(type(self).__name__)
        # Keras 3 accepts any string without '/' (the empty one too: ``Model(name='')``).
        if not isinstance(self.name, str) or "/" in self.name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r} (of type {type(name)})")
        self._trainable = bool(trainable)
        self.dtype = dtypes.as_dtype(dtype or "float32").name if not isinstance(
            dtype, dict) else "float32"
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self.activity_regularizer = _regularizers.get(activity_regularizer)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
            self._batch_input_shape = (batch_size,) + shape
        elif input_dim is not None:
            self._batch_input_shape = (batch_size, int(input_dim))
        else:
            self._batch_input_shape = None
        self._build_shape = None
        self._initial_weights = kwargs.get("weights")

    # -- weights ------------------------------------------------------------------------
    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, aggregation="none",
                   autocast=True, use_resource=None, synchronization=None, **kwargs):
        """Creates a weight Variable tracked by this layer.

        Keras 3's order is ``add_weight(shape, initializer, ...)``; Keras 2 code calls
        ``add_weight(name, shape, ...)``: a first positional string is taken as the name.
        """
        args = list(args)
        if args and (isinstance(args[0], str) or args[0] is None) and name is None:
            name = args.pop(0)
        names = ["shape", "initializer", "dtype", "trainable", "regularizer", "constraint"]
        given = dict(zip(names, args))
        shape = given.get("shape", shape)
        initializer = given.get("initializer", initializer)
        dtype = given.get("dtype", dtype)
        trainable = given.get("trainable", trainable)
        regularizer = given.get("regularizer", regularizer)
        constraint = given.get("constraint", constraint)
        if shape is None:
            shape = ()
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(
            int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"Layer '{self.name}': add_weight shape must be non-negative; "
                             f"received shape={shape}.")
        dt = dtypes.as_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dt.is_floating else "zeros"
        init = _initializers.get(initializer)
        value = init(shape, dtype=dt) if isinstance(init, _initializers.Initializer) else \
            init(shape, dtype=dt)
        if isinstance(value, Tensor):
            value = as_array(value)
        value = np.asarray(value, dtype=dt._np).reshape(shape)
        var = Variable(value, trainable=trainable, name=name or "variable", dtype=dt)
        var._path = f"{self.name}/{name or 'variable'}"
        var.constraint = _constraints.get(constraint)
        reg = _regularizers.get(regularizer)
        self._tracked_weights.append(var)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    @property
    def _regularized(self):
        r = self.__dict__.get("_regularizers_list")
        if r is None:
            r = []
            object.__setattr__(self, "_regularizers_list", r)
        return r

    def __setattr__(self, name, value):
        if type(value) is list and name not in _UNTRACKED:
            value = _TrackedList(value)
        elif type(value) is dict and name not in _UNTRACKED:
            value = _TrackedDict(value)
        object.__setattr__(self, name, value)
        _STRUCTURE.value += 1

    def __delattr__(self, name):
        object.__delattr__(self, name)
        _STRUCTURE.value += 1

    def _collect(self):
        """(own variables, direct sublayers), in the order they were assigned."""
        cache = self.__dict__.get("_collect_cache")
        if cache is not None and cache[0] == _STRUCTURE.value:
            return cache[1], cache[2]
        own, subs = self._walk_attributes()
        object.__setattr__(self, "_collect_cache", (_STRUCTURE.value, own, subs))
        return own, subs

    def _walk_attributes(self):
        own, subs, seen = [], [], {id(self)}

        def visit(v, depth):
            if isinstance(v, Variable):
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
            elif isinstance(v, Layer):
                if id(v) not in seen:
                    seen.add(id(v))
                    subs.append(v)
            elif depth < 3 and isinstance(v, (list, tuple)):
                for x in v:
                    visit(x, depth + 1)
            elif depth < 3 and isinstance(v, dict):
                for x in v.values():
                    visit(x, depth + 1)

        for key, v in self.__dict__.items():
            if key in _UNTRACKED:
                continue
            visit(v, 0)
        return own, subs

    @property
    def _sublayers(self):
        return self._collect()[1]

    def _flatten_layers(self, include_self=True):
        out, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if layer is not self or include_self:
                out.append(layer)
            stack[:0] = layer._collect()[1]
        return out

    def _gather(self, own, attr) -> list:
        """``own`` then each sublayer's ``attr`` list, without repeats (shared weights once)."""
        out, seen = list(own), {id(v) for v in own}
        for sub in self._collect()[1]:
            for v in getattr(sub, attr):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self) -> list:
        """Every weight: this layer's own first, then its sublayers', in creation order."""
        return self._gather(self._collect()[0], "weights")

    variables = weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        # A custom training loop reads model.trainable_variables twice a step, and walking
        # the sublayers costs 6.7 µs a read on the seed MLP (0.6 µs kept; the batch-32 step
        # is ~0.45 ms): the list is kept until a layer's structure (any attribute set) or a
        # variable's trainable flag changes.
        # (Kept beside the layer, not in it: a copied layer must not inherit the list.)
        key = (_STRUCTURE.value, TRAINABLE_FLAGS[0])
        cache = _TRAINABLE_CACHE.get(self)
        if cache is None or cache[0] != key:
            cache = (key, self._gather([v for v in self._collect()[0] if v.trainable],
                                       "trainable_weights"))
            _TRAINABLE_CACHE[self] = cache
        return list(cache[1])

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._collect()[1]:
            layer.trainable = value

    def count_params(self) -> int:
        """The number of scalars in this layer's weights (it must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(as_array(v).size for v in self.weights))

    def get_weights(self) -> list:
        """The weights' values as a list of NumPy arrays (copies)."""
        return [np.array(as_array(v)) for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays, in the order ``get_weights`` returns them."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"Layer '{self.name}' weight list length mismatch: it expects {len(params)} "
                f"weights, but received {len(weights)} (shapes expected: "
                f"{[tuple(p.shape) for p in params]}).")
        for p, w in zip(params, weights):
            w = np.asarray(w.numpy() if isinstance(w, Tensor) else w)
            if w.shape != as_array(p).shape:
                raise ValueError(f"Layer '{self.name}' weight shape mismatch for '{p.path}': "
                                 f"expected {as_array(p).shape}, received {w.shape}.")
        for p, w in zip(params, weights):
            p.assign(np.asarray(w.numpy() if isinstance(w, Tensor) else w))

    # -- losses -------------------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a loss term that training adds to the compiled loss.

        A tensor (or a list of them) is one call's term, e.g. an activity penalty computed
        in ``call``: the next outermost call starts afresh. A zero-argument callable (Keras
        2's ``model.add_loss(lambda: tf.reduce_mean(layer.kernel))``) stays and is evaluated
        each time ``losses`` is read. A term with several elements counts as their sum.
        """
        if callable(loss) and not isinstance(loss, Tensor):
            self.__dict__.setdefault("_callable_losses", []).append(loss)
            return
        for term in loss if isinstance(loss, (list, tuple)) else [loss]:
            if isinstance(term, (int, float, np.number, np.ndarray)):
                term = convert_to_tensor(np.asarray(term, dtype=np.float32))
            if not isinstance(term, Tensor):
                raise ValueError(f"Layer '{self.name}': add_loss() takes a tensor, a list of "
                                 "tensors or a zero-argument callable returning one. Received "
                                 f"{type(term).__name__}: {term!r}")
            self._losses.append(term)
        _PER_THREAD.context.loss_holders[id(self)] = self

    @property
    def losses(self) -> list:
        """Regularization terms: weight penalties (recomputed now) and those added by calls."""
        return _loss_terms(self._flatten_layers())

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses.clear()

    # -- building and calling ---------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights once the input shape is known (default: none)."""
        self.built = True

    def _maybe_build(self, input_shape):
        if not self.built:
            # One input's shape becomes a tuple; several inputs keep their list/dict form.
            shape = input_shape if isinstance(input_shape, dict) or (
                isinstance(input_shape, list) and input_shape
                and isinstance(input_shape[0], (tuple, list))) else tuple(input_shape)
            self.build(shape)
            self.built = True
            self._build_shape = shape
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def __call__(self, inputs, *args, **kwargs):
        if type(inputs) is not Tensor:
            if type(inputs) is not np.ndarray and is_symbolic(inputs):
                return symbolic_call(self, inputs, args, kwargs)
            inputs = self._convert_inputs(inputs)
        if not self.built:
            shape = _shape_of(inputs)
            self._maybe_build(_without_batch(shape) if in_dummy_batch_probe() else shape)
        if self.input_spec is not None:
            self._check_input_spec(inputs)
        cls = type(self)
        signature = cls.__dict__.get("_call_signature")
        if signature is None:
            signature = _CallSignature(cls)
            cls._call_signature = signature
        ctx = _PER_THREAD.context
        training = kwargs.pop("training", None)
        outer = ctx.training
        if training is None:
            training = outer
        elif isinstance(training, Tensor):
            training = bool(training)
        if signature.training:
            kwargs["training"] = training
        mask = inputs._keras_mask if type(inputs) is Tensor else _mask_of(inputs)
        if mask is not None and signature.mask and kwargs.get("mask") is None:
            kwargs["mask"] = mask
        if ctx.depth == 0 and ctx.loss_holders:
            for layer in ctx.loss_holders.values():
                layer._losses.clear()
            ctx.loss_holders.clear()
        ctx.training = training
        ctx.depth += 1
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            ctx.training = outer
            ctx.depth -= 1
        if self.activity_regularizer is not None:
            # Divided by the batch size, as Keras 3 normalises it.
            for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                if isinstance(out, Tensor):
                    self.add_loss(ops.divide(self.activity_regularizer(out),
                                             float(max(out.shape[0] or 1, 1)) if out.shape
                                             else 1.0))
        if mask is not None or signature.computes_mask:
            self._set_output_mask(inputs, outputs, mask)
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs (Keras's rule): the input's mask when the layer
        ``supports_masking``, else None. Masking layers (Embedding with ``mask_zero``)
        override it."""
        return mask if self.supports_masking else None

    def _set_output_mask(self, inputs, outputs, mask):
        """Attaches ``compute_mask(inputs, mask)`` to the outputs that carry no mask yet (a
        model's outputs already carry the masks its layers set)."""
        flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if all(getattr(t, "_keras_mask", None) is not None for t in flat):
            return
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is None:
            return
        masks = list(out_mask) if isinstance(out_mask, (list, tuple)) else [out_mask]
        for t, m in zip(flat, masks):
            if isinstance(t, Tensor) and t._keras_mask is None and m is not None:
                t._keras_mask = m

    def _convert_inputs(self, x):
        if isinstance(x, Tensor):
            return x
        if isinstance(x, (list, tuple)):
            return type(x)(self._convert_inputs(v) for v in x)
        if isinstance(x, dict):
            return {k: self._convert_inputs(v) for k, v in x.items()}
        if x is None:
            return x
        arr = np.asarray(x)
        if arr.dtype.kind in "OUS":
            raise TypeError(f"Layer '{self.name}' ({type(self).__name__}) expects numeric "
                            f"input, but received an array of dtype {arr.dtype} (strings or "
                            "objects). Convert the data to numbers first.")
        if arr.dtype.kind == "f" or (arr.dtype.kind in "iub" and self.autocast
                                     and self._casts_ints):
            arr = arr.astype(self.dtype, copy=False)
        return convert_to_tensor(arr)

    _casts_ints = True  # Embedding-like layers that take integer ids set this False

    def _check_input_spec(self, x):
        spec = self.input_spec
        if not isinstance(x, Tensor):
            return
        shape = as_array(x).shape
        if spec.ndim is not None and len(shape) != spec.ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={spec.ndim}, found ndim={len(shape)}. Full shape "
                             f"received: {tuple(shape)}")
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected min_ndim={spec.min_ndim}, found ndim={len(shape)}. Full "
                             f"shape received: {tuple(shape)}")
        for axis, size in spec.axes.items():
            if size is not None and -len(shape) <= axis < len(shape) and shape[axis] != size:
                raise ValueError(
                    f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                    f"axis {axis} of input shape to have value {size}, but received input "
                    f"with shape {tuple(shape)}")

    def call(self, inputs, *args, **kwargs):
        """The layer's computation (default: identity)."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``, found by running the layer on zeros."""
        return infer_output_shape(self, input_shape)

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (``from_config``)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.activity_regularizer is not None:  # as Keras 3: only when one is set
            config["activity_regularizer"] = _regularizers.serialize(self.activity_regularizer)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    @property
    def input_shape(self):
        if self._build_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus has "
                                 "no defined input shape.")
        return self._build_shape

    @property
    def output_shape(self):
        if self._build_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus has "
                                 "no defined output shape.")
        return self.compute_output_shape(self._build_shape)

    @property
    def input(self):
        """The symbolic input this layer was last called on (functional/Sequential models)."""
        kt = self.__dict__.get("_keras_input")
        if kt is None:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic "
                                 "input and thus has no defined input.")
        return kt

    @property
    def output(self):
        """The symbolic output of this layer's latest call in a functional/Sequential model."""
        kt = self.__dict__.get("_keras_output")
        if kt is None:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic "
                                 "input and thus has no defined output.")
        return kt

    @property
    def submodules(self):
        return self._flatten_layers(include_self=False)


# Attributes that hold references but are not the layer's own state.
_UNTRACKED = {"_collect_cache", "_inbound_nodes", "_outbound_nodes", "_regularizers_list",
              "_losses", "optimizer", "compiled_loss", "compiled_metrics", "history",
              "_keras_history", "_initial_weights", "_train_state", "_callable_losses",
              "_compiled_trainable_state"}


def _loss_terms(layers) -> list:
    out = []
    for layer in layers:
        out.extend(layer._losses)
        for fn in layer.__dict__.get("_callable_losses", ()):
            value = fn()
            out.append(value if isinstance(value, Tensor) else convert_to_tensor(
                np.asarray(value, dtype=np.float32)))
        for var, reg in layer.__dict__.get("_regularizers_list", ()):
            out.append(reg(var))
    return out


def _without_batch(shape):
    """``shape`` (or a list/dict of shapes) with the batch axis unknown."""
    if isinstance(shape, dict):
        return {k: _without_batch(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_without_batch(v) for v in shape]
    return (None,) + tuple(shape[1:]) if len(shape) else tuple(shape)


def _shape_of(x):
    if isinstance(x, Tensor):
        return as_array(x).shape
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    return tuple(np.shape(x))


def as_tensor(x, dtype="float32"):
    """Inputs as a tensor of ``dtype`` (NumPy floats cast; ints kept only for int dtypes)."""
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(np.asarray(x, dtype=dtypes.as_dtype(dtype)._np))


def _mask_of(inputs):
    """The mask carried by the input tensor (a list of masks for a list of inputs), or None."""
    if type(inputs) is Tensor:
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in inputs]
        if any(m is not None for m in masks):
            return masks
    return None
