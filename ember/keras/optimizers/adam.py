"""Adam: adaptive moment estimation."""

import math

import numpy as np

from ember.keras.optimizers.optimizer import (
    LearningRate,
    Optimizer,
    check_in_range,
    check_nonnegative,
)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), with the
    AMSGrad variant (Reddi et al. 2018, "On the Convergence of Adam and Beyond").

    Keras 3's form, with the bias corrections folded into the step size::

        t = iterations + 1
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1)            # m = beta_1 m + (1 - beta_1) g
        v += (g**2 - v) * (1 - beta_2)         # v = beta_2 v + (1 - beta_2) g²
        v_hat = max(v_hat, v)                  # amsgrad only; then v_hat replaces v
        w -= alpha * m / (sqrt(v) + epsilon)

    ``epsilon`` is the paper's "epsilon hat" (the formula before its Section 2.1).
    PyTorch adds its eps to ``sqrt(v / (1 - beta_2**t))`` instead, so the two agree
    exactly only at eps = 0. The bias corrections are float64 Python floats (Keras
    raises float32 betas to the power t, a ~1e-5 relative difference in alpha at t = 1).

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: decay of the first-moment average; default 0.9.
        beta_2: decay of the second-moment average; default 0.999.
        epsilon: default 1e-7.
        amsgrad: default False.
        name: default "adam".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 name: str = "adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_in_range("beta_1", beta_1)
        self.beta_2 = check_in_range("beta_2", beta_2)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)
        self.amsgrad = bool(amsgrad)

    def build(self, var_list):
        """Creates ``momentum`` (m) and ``velocity`` (v), plus ``velocity_hat`` for
        AMSGrad, all zero."""
        super().build(var_list)
        self.add_slots(var_list, "momentum", "velocity")
        if self.amsgrad:
            self.add_slots(var_list, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        t = self._t
        alpha = learning_rate * math.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        s = self._slots(variable)
        m, v, tmp = s.momentum, s.velocity, s.scratch
        np.subtract(gradient, m, out=tmp)
        tmp *= 1.0 - self.beta_1
        m += tmp
        np.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1.0 - self.beta_2
        v += tmp
        if self.amsgrad:
            v = np.maximum(s.velocity_hat, v, out=s.velocity_hat)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        variable.storage -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config
