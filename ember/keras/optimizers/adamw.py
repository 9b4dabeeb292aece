"""AdamW: Adam with decoupled weight decay."""

from ember.keras.optimizers.adam import Adam
from ember.keras.optimizers.optimizer import LearningRate


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization").

    Adam's update (see ``Adam``) preceded by a weight decay that bypasses the
    moment estimates::

        w -= w * weight_decay * lr
        ... then Adam's step

    This is PyTorch's AdamW as well. Exclude variables (biases, norms) with
    ``exclude_from_weight_decay(var_names=["bias"])``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        weight_decay: default 0.004 (must not be None).
        beta_1, beta_2, epsilon, amsgrad: as ``Adam`` (0.9, 0.999, 1e-7, False).
        name: default "adamw".
        **kwargs: the other base ``Optimizer`` arguments.
    """

    def __init__(self, learning_rate: LearningRate = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, name: str = "adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. "
                             "Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)
