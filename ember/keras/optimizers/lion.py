"""Lion: the sign of an interpolated momentum as the update."""

import numpy as np

from ember.keras.optimizers.optimizer import LearningRate, Optimizer, check_in_range


class Lion(Optimizer):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

    Keras 3's form::

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Its updates have a larger norm than Adam's: use a 3-10x smaller learning rate
    and, with weight decay, a 3-10x larger ``weight_decay``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: in (0, 1]; default 0.9.
        beta_2: default 0.99.
        name: default "lion".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.99, name: str = "lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 < (beta_1 if isinstance(beta_1, (int, float)) else -1) <= 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = check_in_range("beta_2", beta_2)

    def build(self, var_list):
        """Creates ``momentum`` (m), zero."""
        super().build(var_list)
        self.add_slots(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        s = self._slots(variable)
        m, tmp, step = s.momentum, s.scratch, s.scratch2
        np.subtract(gradient, m, out=tmp)
        tmp *= 1.0 - self.beta_1
        tmp += m  # beta_1 * m + (1 - beta_1) * g
        np.sign(tmp, out=step)  # not in place: NumPy's in-place sign is ~10x slower
        step *= learning_rate
        variable.storage -= step
        np.subtract(gradient, m, out=tmp)
        tmp *= 1.0 - self.beta_2
        m += tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
