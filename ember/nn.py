"""``tf.nn``: activations, softmax, cross-entropies with logits, dropout, moments.

Built from ``ember.ops.nn``'s export list (minus the Keras-level helpers TF's ``tf.nn``
lacks) and the few ops of the other modules that TF also lists in ``tf.nn``.
"""

from ember.ops.array import top_k
from ember.ops.embedding import embedding_lookup
from ember.ops.math import relu, sigmoid, softplus, tanh
from ember.ops.nn import *  # noqa: F403
from ember.ops.nn import __all__ as _nn_all
from ember.ops.reduce import l2_normalize, moments

# Ember's fused Dense op and Keras 3's hard_sigmoid are not in TF's tf.nn.
_ELSEWHERE = ("dense", "hard_sigmoid")
for _name in _ELSEWHERE:
    del globals()[_name]

__all__ = [n for n in _nn_all if n not in _ELSEWHERE]
__all__ += ["relu", "sigmoid", "softplus", "tanh", "l2_normalize", "moments", "top_k",
            "embedding_lookup"]
