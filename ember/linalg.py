"""``tf.linalg``: matmul, inverse, determinant, diagonals, norms.

``ember.ops.linalg``'s export list plus the products, norms and shape ops TF also lists
in ``tf.linalg``.
"""

from ember.ops.array import eye, transpose
from ember.ops.clip import global_norm
from ember.ops.linalg import *  # noqa: F403
from ember.ops.linalg import __all__ as _linalg_all
from ember.ops.math import einsum, matmul, tensordot
from ember.ops.reduce import l2_normalize, norm

__all__ = [*_linalg_all, "einsum", "eye", "global_norm", "l2_normalize", "matmul", "norm",
           "tensordot", "transpose"]
