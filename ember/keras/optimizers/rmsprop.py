"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

import numpy as np

from ember.keras.optimizers.optimizer import (
    LearningRate,
    Optimizer,
    check_in_range,
    check_nonnegative,
)


class RMSprop(Optimizer):
    """RMSprop (Hinton, Srivastava & Swersky 2012, Coursera "Neural Networks for Machine
    Learning", lecture 6e); the centered form is from Graves 2013, "Generating
    Sequences With Recurrent Neural Networks".

    Keras 3's form::

        v = rho * v + (1 - rho) * g**2
        mg = rho * mg + (1 - rho) * g                          # centered only
        denominator = v - mg**2 + epsilon   (centered)   or   v + epsilon
        increment = lr * g / sqrt(denominator)
        velocity = momentum * velocity + increment; w -= velocity   (momentum > 0)
        w -= increment                                              (momentum = 0)

    PyTorch's RMSprop (``alpha`` = rho) adds eps outside the square root; the two
    agree exactly at eps = 0.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        rho: decay of the squared-gradient average; default 0.9.
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the estimated variance of the gradient; default False.
        name: default "rmsprop".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 name: str = "rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_in_range("rho", rho)
        self.momentum = check_in_range("momentum", momentum)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)
        self.centered = bool(centered)

    def build(self, var_list):
        """Creates ``velocity`` (v), plus ``momentum`` and ``average_gradient`` (mg) when
        used, all zero."""
        super().build(var_list)
        self.add_slots(var_list, "velocity")
        if self.momentum > 0:
            self.add_slots(var_list, "momentum")
        if self.centered:
            self.add_slots(var_list, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        rho = self.rho
        s = self._slots(variable)
        v, tmp = s.velocity, s.scratch
        v *= rho
        np.square(gradient, out=tmp)
        tmp *= 1.0 - rho
        v += tmp
        if self.centered:
            mg = s.average_gradient
            mg *= rho
            np.multiply(gradient, 1.0 - rho, out=tmp)
            mg += tmp
            np.square(mg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            np.add(v, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        increment = np.divide(gradient, tmp, out=tmp)
        increment *= learning_rate
        if self.momentum > 0:
            velocity = s.momentum
            velocity *= self.momentum
            velocity += increment
            variable.storage -= velocity
        else:
            variable.storage -= increment

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum,
                       "epsilon": self.epsilon, "centered": self.centered})
        return config
