"""``tf.nn``: activations, softmax, cross-entropies with logits, dropout, moments."""

from ember.ops import (  # noqa: F401
    bias_add,
    dropout,
    elu,
    gelu,
    l2_loss,
    l2_normalize,
    leaky_relu,
    log_softmax,
    moments,
    relu,
    relu6,
    selu,
    sigmoid,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    softplus,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    swish,
    tanh,
    top_k,
)

# -- convolution and pooling (conv branch) --
from ember.ops.conv import (  # noqa: E402,F401
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv2d_transpose,
    depthwise_conv2d,
    max_pool,
    max_pool1d,
    max_pool2d,
    separable_conv2d,
)
