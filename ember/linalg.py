"""``tf.linalg``: matmul, inverse, determinant, diagonals, norms."""

from ember.ops import (  # noqa: F401
    det,
    diag,
    diag_part,
    einsum,
    eye,
    inv,
    l2_normalize,
    matmul,
    norm,
    tensordot,
    trace,
    transpose,
)
