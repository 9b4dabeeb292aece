"""Adamax: Adam with the infinity norm in place of the second moment."""

import numpy as np

from ember.keras.optimizers.optimizer import (
    LearningRate,
    Optimizer,
    check_in_range,
    check_nonnegative,
)


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Section 7.1).

    Keras 3's form::

        t = iterations + 1
        m += (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    PyTorch's Adamax adds eps to |g| inside the max instead; equal at eps = 0.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: decay of the first moment; default 0.9.
        beta_2: decay of the infinity norm; default 0.999.
        epsilon: default 1e-7.
        name: default "adamax".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, name: str = "adamax",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_in_range("beta_1", beta_1)
        self.beta_2 = check_in_range("beta_2", beta_2)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)

    def build(self, var_list):
        """Creates ``momentum`` (m) and ``norm`` (u), zero."""
        super().build(var_list)
        self.add_slots(var_list, "momentum", "norm")

    def update_step(self, gradient, variable, learning_rate):
        s = self._slots(variable)
        m, u, tmp = s.momentum, s.norm, s.scratch
        np.subtract(gradient, m, out=tmp)
        tmp *= 1.0 - self.beta_1
        m += tmp
        u *= self.beta_2
        np.maximum(u, np.abs(gradient, out=tmp), out=u)
        np.add(u, self.epsilon, out=tmp)
        np.divide(m, tmp, out=tmp)
        tmp *= learning_rate / (1.0 - self.beta_1 ** self._t)
        variable.storage -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
