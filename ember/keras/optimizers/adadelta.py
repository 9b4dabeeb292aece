"""Adadelta: Adagrad's rates over a moving window, with units-corrected steps."""

import numpy as np

from ember.keras.optimizers.optimizer import (
    LearningRate,
    Optimizer,
    check_in_range,
    check_nonnegative,
)


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method").

    Keras 3's form (the paper's, scaled by a learning rate; the paper's is lr = 1.0)::

        E[g²] = rho * E[g²] + (1 - rho) * g**2
        delta = sqrt(E[dx²] + epsilon) / sqrt(E[g²] + epsilon) * g
        E[dx²] = rho * E[dx²] + (1 - rho) * delta**2
        w -= lr * delta

    This is exactly PyTorch's Adadelta (same eps placement).

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        rho: decay of both averages; default 0.95.
        epsilon: default 1e-7.
        name: default "adadelta".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.95,
                 epsilon: float = 1e-7, name: str = "adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_in_range("rho", rho)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)

    def build(self, var_list):
        """Creates ``accumulated_grad`` (E[g²]) and ``accumulated_delta_var`` (E[dx²]), zero."""
        super().build(var_list)
        self.add_slots(var_list, "accumulated_grad", "accumulated_delta_var")

    def update_step(self, gradient, variable, learning_rate):
        rho, eps = self.rho, self.epsilon
        s = self._slots(variable)
        eg2, edx2, tmp, delta = s.accumulated_grad, s.accumulated_delta_var, s.scratch, s.scratch2
        eg2 *= rho
        np.square(gradient, out=tmp)
        tmp *= 1.0 - rho
        eg2 += tmp
        np.add(edx2, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta *= gradient
        np.add(eg2, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        delta /= tmp
        edx2 *= rho
        np.square(delta, out=tmp)
        tmp *= 1.0 - rho
        edx2 += tmp
        delta *= learning_rate
        variable.storage -= delta

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
