"""Adagrad: per-parameter rates that shrink with the sum of past squared gradients."""

import numpy as np

from ember.keras.optimizers.optimizer import LearningRate, Optimizer, check_nonnegative


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online
    Learning and Stochastic Optimization").

    Keras 3's form, the accumulator starting at ``initial_accumulator_value``::

        accumulator += g**2
        w -= lr * g / sqrt(accumulator + epsilon)

    PyTorch's Adagrad adds eps outside the square root; equal at eps = 0 with the
    same ``initial_accumulator_value``.

    Args:
        learning_rate: float, schedule or callable; default 0.001 (the paper's form is 1.0).
        initial_accumulator_value: non-negative; default 0.1.
        epsilon: default 1e-7.
        name: default "adagrad".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, ...).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 name: str = "adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = check_nonnegative(
            "initial_accumulator_value", initial_accumulator_value, allow_none=False)
        self.epsilon = check_nonnegative("epsilon", epsilon, allow_none=False)

    def build(self, var_list):
        """Creates ``accumulator``, filled with ``initial_accumulator_value``."""
        super().build(var_list)
        self.add_slots(var_list, "accumulator", initial_value=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        s = self._slots(variable)
        acc, tmp = s.accumulator, s.scratch
        acc += np.square(gradient, out=tmp)
        np.add(acc, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(gradient, tmp, out=tmp)
        tmp *= learning_rate
        variable.storage -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
