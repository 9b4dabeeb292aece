"""``tf.math``: elementwise math, reductions, comparisons and logic.

Built from the ops modules' export lists (``__all__``): every op of ``ember.ops.math`` and
``ember.ops.reduce`` except the few that TF keeps elsewhere (deleted below), plus the
activations and ``top_k`` that TF also lists in ``tf.math``.
"""

from ember.ops.array import top_k
from ember.ops.math import *  # noqa: F403
from ember.ops.math import __all__ as _math_all
from ember.ops.math import confusion_matrix
from ember.ops.nn import elu, selu, softmax, softsign
from ember.ops.reduce import *  # noqa: F403
from ember.ops.reduce import __all__ as _reduce_all

# TF has these at the top level (tf.cast, tf.where, tf.einsum, tf.clip_by_value, ...), in
# tf.linalg (matmul, tensordot, norm), in tf.nn (relu, moments), or not at all.
_ELSEWHERE = ("cast", "clip_by_value", "einsum", "floor_div", "matmul", "ones_like", "relu",
              "tensordot", "where", "zeros_like", "moments", "norm", "unbroadcast")
for _name in _ELSEWHERE:
    del globals()[_name]

__all__ = [n for n in _math_all + _reduce_all if n not in _ELSEWHERE]
__all__ += ["elu", "selu", "softmax", "softsign", "top_k", "confusion_matrix"]

# Complex numbers (issue 14): tf.math.real / imag / conj / angle.
from ember.ops.complex import angle, conj, imag, real  # noqa: E402

__all__ += ["angle", "conj", "imag", "real"]

# Segment reductions and bincount (tfops): tf.math only, as in TF.
from ember.ops.segment import *  # noqa: E402,F403
from ember.ops.segment import __all__ as _segment_all  # noqa: E402

__all__ += _segment_all

# The error function (GELU's exact form uses it): tf.math.erf / erfc.
from ember.ops.special import erf, erfc  # noqa: E402

__all__ += ["erf", "erfc"]

# Composites (sweep): tf.math.divide_no_nan, and log_softmax, which TF lists in both.
from ember.ops.composite import divide_no_nan  # noqa: E402
from ember.ops.nn import log_softmax  # noqa: E402

__all__ += ["divide_no_nan", "log_softmax"]
