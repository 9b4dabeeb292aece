"""What a Sequential or functional model does to each input before its first layer, as
Keras 3's ``Functional._standardize_inputs``: cast to the dtype its ``Input`` declares and
fix a rank that is off by a trailing axis of size 1."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.tensor import Tensor


def standardize_input(x, ref, model_name):
    """``x`` made to match the KerasTensor ``ref``: a (batch,) array given to an input of
    shape (batch, 1) gains its last axis, a (batch, n, 1) array given to (batch, n) loses
    it, and numbers are cast to a declared integer or float dtype."""
    if isinstance(x, np.ndarray) and ref.dtype.name == "string":
        # Text a model with a string Input left as an array, for its text layers to
        # convert: only the rank is fixed here.
        return _fix_rank(x, ref, model_name, np.squeeze, np.expand_dims)
    if not isinstance(x, Tensor):
        return x
    x = _fix_rank(x, ref, model_name, ops.squeeze, ops.expand_dims)
    want, have = ref.dtype, x.dtype
    if (want.name == "string") != (have.name == "string"):
        raise TypeError(f"Model '{model_name}' expects {want.name} input but received "
                        f"{have.name} data as `x`" + (
                            " (strings): convert the data to numbers first, or start the model "
                            "with keras.Input(dtype='string') and a TextVectorization or "
                            "StringLookup layer." if have.name == "string" else "."))
    if want != have and _numeric(want) and _numeric(have):
        x = ops.cast(x, want)
    return x


def _numeric(dtype) -> bool:
    return dtype.name != "string" and np.dtype(dtype.as_numpy_dtype).kind in "fiub"


def _fix_rank(x, ref, model_name, squeeze, expand_dims):
    rank, ref_rank = len(x.shape), len(ref.shape)
    if rank == ref_rank + 1 and x.shape[-1] == 1:
        return squeeze(x, axis=-1)
    if rank == ref_rank - 1 and ref.shape[-1] == 1:
        return expand_dims(x, axis=-1)
    if rank != ref_rank:
        raise ValueError(f"Invalid input shape for input {x.shape} of model '{model_name}'. "
                         f"Expected shape {tuple(ref.shape)}, but input has incompatible "
                         f"shape {tuple(x.shape)}")
    return x
