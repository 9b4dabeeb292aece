"""Feature preprocessing layers: Normalization, Discretization, CategoryEncoding, Hashing.

Normalization and Discretization learn from data with ``adapt`` (an array, a tensor, a
``tf.data.Dataset`` or any iterable of batches; ``(x, y)`` batches use ``x``); both can
also be given their statistics directly.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ember import ops
from ember.keras import settings
from ember.keras.layers.layer import Layer
from ember.tensor import Tensor, as_array


def _numpy(data) -> np.ndarray:
    if isinstance(data, Tensor):
        return np.asarray(as_array(data))
    if hasattr(data, "numpy") and not isinstance(data, np.ndarray):
        return np.asarray(data.numpy())
    return np.asarray(data)


def _first(batch):
    """The features of a batch: ``x`` of an ``(x, y)`` or ``(x, y, w)`` tuple."""
    if isinstance(batch, (tuple, list)) and batch and not np.isscalar(batch[0]) \
            and not isinstance(batch[0], (int, float)):
        return batch[0]
    return batch


def _adapt_batches(layer, data, steps=None):
    """adapt()'s data as NumPy batches: a whole array/list/tensor is one batch; a data set
    of single rank-1 elements is batched by 128, as Keras does; any other iterable yields
    its own batches."""
    if isinstance(data, (np.ndarray, Tensor, list)) and not (
            isinstance(data, list) and data and isinstance(data[0], (np.ndarray, Tensor))):
        yield _numpy(data)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}): adapt() expects a "
                        "NumPy array, a tensor, a tf.data.Dataset or an iterable of batches; "
                        f"received {type(data).__name__}.")
    spec = getattr(data, "element_spec", None)
    if spec is not None and not isinstance(spec, (tuple, dict)):
        shape = getattr(spec, "shape", None)
        if shape is not None and len(shape) == 1 and hasattr(data, "batch"):
            data = data.batch(128)
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield _numpy(_first(batch))


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per feature:
    ``(x - mean) / max(sqrt(variance), ε)``; with ``invert=True``, ``mean + x·sqrt(var)``.

    The statistics come from ``mean``/``variance`` (broadcast along ``axis``) or from
    ``adapt(data)``, as in the TF regression tutorial::

        normalizer = tf.keras.layers.Normalization(axis=-1)
        normalizer.adapt(np.array(train_features))

    Args:
        axis: the axis or axes that keep their own statistics (default -1, one per
            feature); None for one mean and variance over everything.
    Weights (adapted layers): ``mean``, ``variance`` (float32, one per kept position) and
    ``count`` (int64 scalar), non-trainable, as in Keras 3.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise TypeError("`axis` of Normalization must be an int, a tuple of ints or "
                                f"None. Received: axis={axis!r}") from None
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape "
                                 f"{np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError("The rank of `mean` must be less than or equal to the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._keep_axis = None
        self._fixed = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError("All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, "
                                 f"with unknown axis at index {d}")
        self._build_shape = input_shape
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            self._fixed = tuple(self._broadcast(np.asarray(v, dtype=np.float32), ndim)
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast(self, value, ndim):
        """A mean/variance given for the kept axes (trailing ones first) as broadcast shape."""
        if value.ndim:
            shape = [1] * ndim
            for i in range(1, value.ndim + 1):
                shape[self._keep_axis[-i]] = value.shape[-i]
            try:
                value = value.reshape(shape)
                value = np.broadcast_to(value, self._broadcast_shape)
            except ValueError:
                raise ValueError(f"Layer '{self.name}' (Normalization): mean/variance of shape "
                                 f"{np.shape(self.input_mean)} do not fit inputs of shape "
                                 f"{self._build_shape} along axis {self.axis}.") from None
        return np.ascontiguousarray(np.broadcast_to(value, self._broadcast_shape))

    @property
    def mean(self):
        if self._fixed is not None:
            return ops.convert_to_tensor(self._fixed[0])
        return None if not self.built else ops.reshape(self.adapt_mean, self._broadcast_shape)

    @property
    def variance(self):
        if self._fixed is not None:
            return ops.convert_to_tensor(self._fixed[1])
        return None if not self.built else ops.reshape(self.adapt_variance,
                                                       self._broadcast_shape)

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of ``data`` along the non-kept axes (batches of a
        data set are combined exactly, by Chan's parallel formula)."""
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' (Normalization) was given `mean` and "
                             "`variance`; it cannot also be adapted.")
        total_mean = total_var = None
        total = 0
        for batch in _adapt_batches(self, data, steps):
            batch = batch.astype(np.float64)
            if not self.built:
                self.build(batch.shape)
            for d in self._keep_axis:
                if batch.ndim != len(self._build_shape) or batch.shape[d] != \
                        self._build_shape[d]:
                    raise ValueError(f"Layer '{self.name}' (Normalization) was built with "
                                     f"input_shape={self._build_shape}, but adapt() received "
                                     f"data with an incompatible shape {batch.shape}.")
            n = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
            if n == 0:
                continue
            mean = batch.mean(axis=self._reduce_axis)
            var = batch.var(axis=self._reduce_axis)
            if total_mean is None:
                total_mean, total_var, total = mean, var, n
                continue
            both = total + n
            delta = mean - total_mean
            total_mean = total_mean + delta * n / both
            total_var = (total_var * total + var * n) / both + delta ** 2 * total * n / both ** 2
            total = both
        if total_mean is None:
            raise ValueError(f"Layer '{self.name}' (Normalization): adapt() received no data.")
        self.adapt_mean.assign(total_mean.astype(np.float32))
        self.adapt_variance.assign(total_var.astype(np.float32))
        self.count.assign(np.int64(total))

    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)
        mean, variance = self.mean, self.variance
        scale = ops.maximum(ops.sqrt(variance), settings.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(x, scale))
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def listed(v):
            return None if v is None else np.asarray(v).tolist()
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}


_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def _encode(layer, ids, depth, mode, count_weights=None):
    """Integer ids (NumPy) as one-hot / multi-hot / count vectors of ``depth``, with
    CategoryEncoding's shape rules: a rank-1 input is one sample for multi_hot and count
    and one id per sample for one_hot; a trailing axis of 1 is squeezed for one_hot."""
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        out = np.zeros(ids.shape + (depth,), np.float32)
        np.put_along_axis(out, ids[..., None].astype(np.int64), 1.0, axis=-1)
        return out
    single = ids.ndim == 1
    rows = ids.reshape(1, -1) if single else ids.reshape(ids.shape[0], -1)
    out = np.zeros((rows.shape[0], depth), np.float32)
    weights = None
    if count_weights is not None:
        weights = np.asarray(count_weights, np.float32).reshape(rows.shape)
    for r in range(rows.shape[0]):
        counts = np.bincount(rows[r], weights=None if weights is None else weights[r],
                             minlength=depth)
        out[r] = counts if mode == "count" else (counts > 0)
    return out[0] if single else out


def _encoded_shape(input_shape, mode, depth):
    """The output shape of ``_encode`` for inputs of ``input_shape``."""
    input_shape = tuple(input_shape)
    if not input_shape:
        return (depth,)
    if mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            input_shape = input_shape[:-1]
        return input_shape + (depth,)
    return (depth,) if len(input_shape) == 1 else (input_shape[0], depth)


def _check_ids(layer, ids, depth):
    if ids.dtype.kind not in "iub":
        if ids.dtype.kind == "f" and np.all(np.isfinite(ids)) and np.all(ids == np.round(ids)):
            ids = ids.astype(np.int64)
        else:
            raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) expects integer "
                             f"ids; received an array of dtype {ids.dtype}.")
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}): input values must be "
                         f"in the range 0 <= values < num_tokens with num_tokens={depth}; "
                         f"received values from {ids.min()} to {ids.max()}.")
    return ids.astype(np.int64)


class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) as dense vectors: 'multi_hot' (default, 1 where an id
    occurs in the sample), 'one_hot' (one vector per id) or 'count' (how often each id
    occurs, optionally weighted by ``count_weights``). Ids outside the range are an error
    (Keras 3 silently drops them; TF 2 raised, as Ember does)."""

    _casts_ints = False

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError("Unknown arg for output_mode: expected one of 'one_hot', "
                             f"'multi_hot', 'count'. Received: output_mode={output_mode!r}")
        if num_tokens is None or isinstance(num_tokens, bool) or not isinstance(
                num_tokens, int) or num_tokens < 1:
            raise ValueError("`num_tokens` for CategoryEncoding must be a positive int. "
                             f"Received: num_tokens={num_tokens!r}")
        if sparse:
            raise ValueError("CategoryEncoding(sparse=True) is not supported by Ember; use "
                             "sparse=False (dense outputs).")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, False

    def call(self, inputs, count_weights=None):
        ids = _check_ids(self, _numpy(inputs), self.num_tokens)
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not 'count'. "
                             f"Received output_mode={self.output_mode!r} in layer "
                             f"'{self.name}'.")
        return ops.convert_to_tensor(
            _encode(self, ids, self.num_tokens, self.output_mode, count_weights))

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}


class Discretization(Layer):
    """Buckets numbers by ``bin_boundaries``: with boundaries [0., 1., 2.], x < 0 -> 0,
    0 <= x < 1 -> 1, 1 <= x < 2 -> 2, x >= 2 -> 3. ``adapt(data)`` with ``num_bins`` sets
    the boundaries at the data's quantiles (exact quantiles, NumPy's 'lower' method; Keras
    uses an approximate summary with tolerance ``epsilon``, so its boundaries can differ
    slightly). ``output_mode``: 'int' (default, int32 bucket ids), 'one_hot', 'multi_hot',
    'count'."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(f"Invalid value for argument `output_mode` of Discretization. "
                             f"Expected one of {list(_OUTPUT_MODES)}. Received: "
                             f"output_mode={output_mode!r}")
        if sparse:
            raise ValueError("Discretization(sparse=True) is not supported by Ember; use "
                             "sparse=False.")
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(
                num_bins, int) or num_bins < 1):
            raise ValueError("`num_bins` of Discretization must be a positive int. Received: "
                             f"num_bins={num_bins!r}")
        if bin_boundaries is not None:
            if num_bins is not None and num_bins != len(bin_boundaries) + 1:
                raise ValueError("`num_bins` and `bin_boundaries` should not be set "
                                 f"together. Received: num_bins={num_bins} and "
                                 f"bin_boundaries={bin_boundaries}")
            bin_boundaries = [float(b) for b in bin_boundaries]
            if any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries)):
                raise ValueError("`bin_boundaries` of Discretization must be sorted in "
                                 f"ascending order. Received: bin_boundaries={bin_boundaries}")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon, self.output_mode, self.sparse = float(epsilon), output_mode, False
        self._input_boundaries = bin_boundaries is not None

    def adapt(self, data, steps=None):
        """Sets ``bin_boundaries`` to the ``num_bins``-quantiles of ``data``."""
        if self._input_boundaries:
            raise ValueError(f"Layer '{self.name}' (Discretization) was given "
                             "`bin_boundaries`; it cannot also be adapted.")
        if self.num_bins is None:
            raise ValueError(f"Layer '{self.name}' (Discretization): `num_bins` must be set "
                             "to adapt the layer. Received: num_bins=None")
        values = [b.astype(np.float64).ravel() for b in _adapt_batches(self, data, steps)]
        values = np.concatenate(values) if values else np.zeros(0)
        if not values.size:
            raise ValueError(f"Layer '{self.name}' (Discretization): adapt() received no data.")
        qs = np.linspace(0.0, 1.0, self.num_bins + 1)[1:-1]
        self.bin_boundaries = [float(b) for b in np.quantile(values, qs, method="lower")]

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Layer '{self.name}' (Discretization): you need to either pass "
                             "the `bin_boundaries` argument at construction time or call "
                             "`adapt(dataset)` before you can start using the layer.")
        x = _numpy(inputs)
        if x.dtype.kind not in "iuf":
            raise ValueError(f"Layer '{self.name}' (Discretization) expects numbers; received "
                             f"an array of dtype {x.dtype}.")
        ids = np.digitize(x, np.asarray(self.bin_boundaries, np.float64)).astype(np.int32)
        if self.output_mode == "int":
            return ops.convert_to_tensor(ids)
        return ops.convert_to_tensor(
            _encode(self, ids, len(self.bin_boundaries) + 1, self.output_mode))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return _encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _hash_key(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (float, np.floating)):
        return b"%f" % value  # TF's as_string of a float: 1.500000
    return str(value).encode("utf-8")


class Hashing(Layer):
    """Hashes strings or integers into ``num_bins`` bins: ``hash(x) mod num_bins``.

    The hash is deterministic (BLAKE2b of the value's UTF-8 text, keyed by ``salt``) but it
    is NOT TensorFlow's FarmHash: bins differ from Keras's for the same value, so a model
    trained with Keras's Hashing must be retrained. With ``mask_value``, that value maps to
    0 and the others to ``1 + hash(x) mod (num_bins - 1)``. ``output_mode``: 'int'
    (default, int64 bins), 'one_hot', 'multi_hot' or 'count'.
    """

    _casts_ints = False

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        kwargs.setdefault("dtype", "int64" if output_mode == "int" else "float32")
        super().__init__(**kwargs)
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins!r}")
        if mask_value is not None and num_bins < 2:
            raise ValueError("With `mask_value` set, `num_bins` of Hashing must be at least 2 "
                             f"(bin 0 is the mask). Received: num_bins={num_bins}")
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(f"Invalid value for argument `output_mode` of Hashing. Expected "
                             f"one of {list(_OUTPUT_MODES)}. Received: "
                             f"output_mode={output_mode!r}")
        if sparse:
            raise ValueError("Hashing(sparse=True) is not supported by Ember; use "
                             "sparse=False.")
        if salt is not None:
            salts = (salt, salt) if isinstance(salt, int) else tuple(salt)
            if len(salts) != 2 or not all(isinstance(s, int) for s in salts):
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size "
                                 f"2 integers, or a single integer. Received: salt={salt!r}")
            self.salt = list(salts)
        else:
            self.salt = None
        self.num_bins, self.mask_value = num_bins, mask_value
        self.output_mode, self.sparse = output_mode, False
        key = b"" if self.salt is None else b"%d,%d" % tuple(self.salt)
        self._key = key

    def _bin(self, value) -> int:
        if self.mask_value is not None and value == self.mask_value:
            return 0
        digest = hashlib.blake2b(_hash_key(value), digest_size=8, key=self._key).digest()
        h = int.from_bytes(digest, "little")
        if self.mask_value is not None:
            return 1 + h % (self.num_bins - 1)
        return h % self.num_bins

    def _convert_inputs(self, x):
        return x  # strings stay as they are

    def call(self, inputs):
        x = _numpy(inputs)
        if x.dtype.kind == "O" and x.size and not isinstance(x.flat[0], (str, bytes)):
            raise ValueError(f"Layer '{self.name}' (Hashing) expects strings or integers; "
                             f"received values of type {type(x.flat[0]).__name__}.")
        flat = [v.item() if isinstance(v, np.generic) else v for v in x.ravel().tolist()]
        if x.dtype.kind == "S":
            flat = [bytes(v) for v in x.ravel()]
        bins = np.array([self._bin(v) for v in flat], np.int64).reshape(x.shape)
        if self.output_mode == "int":
            return ops.convert_to_tensor(bins)
        return ops.convert_to_tensor(_encode(self, bins, self.num_bins, self.output_mode))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return _encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}
