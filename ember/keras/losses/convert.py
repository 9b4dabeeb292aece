"""How loss and metric inputs become tensors: predictions as floats, targets in their dtype."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras.settings import epsilon, floatx
from ember.tensor import Tensor, as_array, convert_to_tensor


def float_tensor(x) -> Tensor:
    """A float tensor: Tensors and float arrays keep their dtype; the rest become floatx."""
    if isinstance(x, Tensor):
        return x if as_array(x).dtype.kind == "f" else ops.cast(x, floatx())
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return convert_to_tensor(x)
    return convert_to_tensor(np.asarray(x, dtype=floatx()))


def cast_like(y, ref: Tensor) -> Tensor:
    """``y`` as a tensor of ``ref``'s dtype (targets, weights: never watched by a tape)."""
    dt = as_array(ref).dtype
    if isinstance(y, Tensor):
        return y if as_array(y).dtype == dt else ops.cast(y, dt)
    return convert_to_tensor(np.asarray(y, dtype=dt))


def shape_of(x) -> tuple:
    """The shape of a tensor or array-like, as a tuple of ints."""
    return as_array(x).shape if isinstance(x, Tensor) else np.shape(x)


def shape_error(fn_name, target_shape, output_shape, advice="") -> ValueError:
    return ValueError(f"{fn_name}: y_true (target) has shape {tuple(target_shape)} but y_pred "
                      f"(output) has shape {tuple(output_shape)}; they must be the same shape."
                      + (" " + advice if advice else ""))


def check_same_shape(fn_name: str, target: Tensor, output: Tensor) -> None:
    """Raises a ValueError that says how to fix labels of the wrong shape."""
    ts, os_ = shape_of(target), shape_of(output)
    if ts == os_:
        return
    advice = ""
    if len(ts) + 1 == len(os_) and ts == os_[:-1] and os_[-1] > 1:
        advice = ("y_true looks like integer class labels: use "
                  "loss='sparse_categorical_crossentropy', or one-hot encode the labels "
                  "(keras.utils.to_categorical).")
    elif len(ts) == len(os_) and ts[:-1] == os_[:-1] and ts[-1] == 1 and os_[-1] > 1:
        advice = ("y_true holds one integer class label per sample: use "
                  "loss='sparse_categorical_crossentropy', or one-hot encode the labels "
                  "(keras.utils.to_categorical).")
    elif len(ts) == len(os_) and ts[:-1] == os_[:-1]:
        advice = (f"The model's last layer has {os_[-1]} units but the labels have "
                  f"{ts[-1]} values per sample: make them agree.")
    raise shape_error(fn_name, ts, os_, advice)


def clip_epsilon(dtype) -> float:
    """The ε that probabilities of float type ``dtype`` are clipped to [ε, 1-ε] with.

    ``keras.backend.epsilon()`` (1e-7) wherever both ε and 1 - ε are representable (float32,
    float64: the results stay Keras's). In float16, 1e-7 rounds to 0 and 1 - 1e-7 to 1, so
    log(ε) and log(1 - ε) would be infinite (TF's float16 cross-entropy is NaN/inf there):
    there the type's machine epsilon (2⁻¹⁰) is used instead.
    """
    eps = epsilon()
    np_dtype = np.dtype(dtype)
    if np_dtype.type(eps) == 0 or np_dtype.type(1.0 - eps) == 1:
        return max(eps, float(np.finfo(np_dtype).eps))
    return eps
