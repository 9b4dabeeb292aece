"""Nadam: Adam with Nesterov momentum."""

import numpy as np

from ember.keras.optimizers.optimizer import (
    LearningRate,
    Optimizer,
    check_in_range,
    check_nonnegative,
)


class Nadam(Optimizer):
    """Nadam (Dozat 2016, "Incorporating Nesterov Momentum into Adam").

    Keras 3's form, with the momentum schedule ``u_t = beta_1 (1 - 0.5 * 0.96**t)``
    and ``U_t = u_1 u_2 ... u_t`` (kept as the ``u_product`` variable)::

        m += (g - m) * (1 - beta_1)
        v += (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t)
        v_hat = v / (1 - beta_2**t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)

    This is PyTorch's NAdam with ``momentum_decay=1.0`` (its mu_t is
    ``beta1 (1 - 0.5 * 0.96**(t * momentum_decay))``).

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: default 0.9.
        beta_2: default 0.999.
        epsilon: default 1e-7.
        name: default "nadam".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, name: str = "nadam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_in_range("beta_1", beta_1)
        self.beta_2 = check_in_range("beta_2", beta_2)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)
        self._u_product = None

    def build(self, var_list):
        """Creates ``momentum`` (m) and ``velocity`` (v), zero, and ``u_product`` = 1."""
        super().build(var_list)
        self.add_slots(var_list, "momentum", "velocity")
        if self._u_product is None:
            self._u_product = self.add_variable((), initializer=1.0, name="u_product")

    def _begin_step(self, learning_rate):
        t, b1 = self._t, self.beta_1
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_next = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product = float(self._u_product.storage) * u_t
        self._u_product.storage[...] = u_product
        # The per-step coefficients of m_hat and the bias correction of v.
        self._c_m = u_next / (1.0 - u_product * u_next)
        self._c_g = (1.0 - u_t) / (1.0 - u_product)
        self._bc2 = 1.0 - self.beta_2 ** t

    def update_step(self, gradient, variable, learning_rate):
        s = self._slots(variable)
        m, v, tmp, m_hat = s.momentum, s.velocity, s.scratch, s.scratch2
        np.subtract(gradient, m, out=tmp)
        tmp *= 1.0 - self.beta_1
        m += tmp
        np.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1.0 - self.beta_2
        v += tmp
        np.multiply(m, self._c_m, out=m_hat)
        m_hat += np.multiply(gradient, self._c_g, out=tmp)
        np.divide(v, self._bc2, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        np.divide(m_hat, tmp, out=m_hat)
        m_hat *= learning_rate
        variable.storage -= m_hat

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
