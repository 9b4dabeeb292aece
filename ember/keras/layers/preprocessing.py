"""Numeric and categorical preprocessing: ``Normalization`` (the basic-regression tutorial's
first layer), ``x' = (x - mean) / sqrt(variance)`` per feature, with mean and variance
learnt by ``adapt`` or given; ``CategoryEncoding`` (integer ids as one-hot, multi-hot or
count vectors, as the structured-data tutorial encodes lookups)."""

from __future__ import annotations

import math

import numpy as np

from ember import ops
from ember.keras.layers.layer import Layer
from ember.tensor import Tensor, as_array

_EPSILON = 1e-7  # Keras's backend.epsilon(): the floor of the standard deviation


def _batch_array(batch) -> np.ndarray:
    """The features of one adapt batch: a dataset of ``(x, y)`` pairs gives its ``x``."""
    if isinstance(batch, tuple):
        batch = batch[0]
    arr = as_array(batch) if isinstance(batch, Tensor) else np.asarray(batch)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"Normalization.adapt() expects numbers; received an array of dtype "
                        f"{arr.dtype}.")
    return arr.astype(np.float64)


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance per position of ``axis``.

    Args:
        axis: the axis or axes that keep their own mean and variance (default -1, one per
            feature); None gives one mean and variance over everything.
        mean, variance: fixed statistics (both or neither); otherwise call ``adapt(data)``.
        invert: apply the inverse, ``x · sqrt(variance) + mean``.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise ValueError("`axis` must be an integer, a tuple of integers or None. "
                                 f"Received: axis={axis!r}") from None
        self.axis = axis
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape {np.shape(mean)} "
                                 f"and variance shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError("The rank of `mean` must be less than or equal to the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.mean = self.variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Layer '{self.name}': all `axis` values must be in the range "
                             f"[-ndim, ndim). Received inputs with ndim={ndim}, while "
                             f"axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(f"Layer '{self.name}': all `axis` values to be kept must have "
                                 f"a known shape. Received axis={self.axis}, "
                                 f"inputs.shape={tuple(input_shape)}, with unknown axis at "
                                 f"index {a}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stat_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stat_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            self.mean = self._broadcast(self.input_mean)
            self.variance = self._broadcast(self.input_variance)
        self.built = True

    def _broadcast(self, value) -> np.ndarray:
        """A given statistic (scalar, or shaped like the kept axes' trailing part) laid out
        to broadcast against the inputs."""
        value = np.asarray(value, dtype=self.dtype)
        ndim = len(self._broadcast_shape)
        expanded = [1] * ndim
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape).copy()

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the mean and variance of ``data``: an array or tensor, or any iterable of
        batches (a ``tf.data.Dataset``, whose unbatched elements are batched by 128, or a
        generator); ``steps`` limits the number of batches taken."""
        from ember.data import Dataset

        if isinstance(data, (np.ndarray, Tensor, list)) and not (
                isinstance(data, list) and data and hasattr(data[0], "shape")):
            batches = [_batch_array(data)]
        elif isinstance(data, Dataset):
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            batches = data.batch(128) if len(spec.shape) == 1 else data
        elif hasattr(data, "__iter__"):
            batches = data
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports NumPy "
                            "arrays, tensors, `tf.data.Dataset` and iterables of batches.")
        mean = var = None
        count = 0
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            arr = _batch_array(batch)
            if not self.built:
                self._maybe_build(arr.shape)
            elif arr.ndim != len(self._build_input_shape) or any(
                    arr.shape[d] != self._build_input_shape[d] for d in self._keep_axis):
                raise ValueError(f"Layer '{self.name}' was built with input_shape="
                                 f"{self._build_input_shape}, but adapt() is being called "
                                 f"with data with an incompatible shape, data.shape="
                                 f"{arr.shape}")
            b_mean = arr.mean(axis=self._reduce_axis)
            b_var = arr.var(axis=self._reduce_axis)
            b_count = math.prod(arr.shape[d] for d in self._reduce_axis)
            if mean is None:
                mean, var, count = b_mean, b_var, b_count
                continue
            # Chan et al.'s pairwise update: the pooled mean and variance of two parts.
            total = count + b_count
            w = b_count / total
            new_mean = mean * (1 - w) + b_mean * w
            var = (var + (mean - new_mean) ** 2) * (1 - w) + (b_var + (b_mean - new_mean) ** 2) * w
            mean, count = new_mean, total
        if mean is None:
            raise ValueError(f"Layer '{self.name}': adapt() received no data.")
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given `mean` and `variance`; it cannot "
                             "also be adapted.")
        self.adapt_mean.assign(mean.astype(self.dtype))
        self.adapt_variance.assign(var.astype(self.dtype))
        self.finalize_state()

    def finalize_state(self):
        """Publishes the adapted statistics as ``mean`` and ``variance`` (shaped to
        broadcast against the inputs)."""
        if self.input_mean is not None or not self.built:
            return
        self.mean = self.adapt_mean.numpy().reshape(self._broadcast_shape)
        self.variance = self.adapt_variance.numpy().reshape(self._broadcast_shape)

    def call(self, inputs):
        if self.input_mean is None:
            # Read from the weights each call, so load_weights/set_weights take effect.
            self.finalize_state()
        x = inputs if inputs.dtype.name == self.dtype else ops.cast(inputs, self.dtype)
        std = np.maximum(np.sqrt(self.variance), _EPSILON).astype(self.dtype)
        if self.invert:
            return ops.add(ops.multiply(x, std), self.mean)
        return ops.divide(ops.subtract(x, self.mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


_ENCODINGS = ("one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) as vectors of ``num_tokens``: 'one_hot' (one vector per
    id; a last axis of size 1 is replaced), 'multi_hot' (default: 1 where an id of the last
    axis occurs) or 'count' (how often, weighted by ``count_weights`` if given). Ids outside
    the range add nothing, as in TF."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        if output_mode not in _ENCODINGS:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding(sparse=True) is not supported by Ember: its "
                             "tensors are dense.")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    _casts_ints = False  # ids stay integers

    def call(self, inputs, count_weights=None):
        ids = as_array(inputs) if isinstance(inputs, Tensor) else np.asarray(inputs)
        if ids.dtype.kind not in "iub":
            ids = ids.astype(np.int64)
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not "
                             f"`'count'`. Received `count_weights={count_weights}`.")
        if ids.ndim == 0:
            ids = ids[None]
        depth = self.num_tokens
        inside = (ids >= 0) & (ids < depth)
        safe = np.where(inside, ids, 0)
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] == 1:
                safe, inside = safe[..., 0], inside[..., 0]
            out = (np.arange(depth) == safe[..., None]) & inside[..., None]
            return ops.convert_to_tensor(out.astype(self.dtype))
        weights = inside.astype(self.dtype)
        if count_weights is not None:
            cw = as_array(count_weights) if isinstance(count_weights, Tensor) else \
                np.asarray(count_weights)
            weights = weights * cw.astype(self.dtype)
        rows = safe.reshape(-1, safe.shape[-1])
        out = np.zeros((rows.shape[0], depth), self.dtype)
        np.add.at(out, (np.arange(rows.shape[0])[:, None], rows),
                  weights.reshape(rows.shape))
        if self.output_mode == "multi_hot":
            out = (out > 0).astype(self.dtype)
        return ops.convert_to_tensor(out.reshape(safe.shape[:-1] + (depth,)))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
            return shape + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": False}
