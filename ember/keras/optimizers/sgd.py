"""SGD: gradient descent, optionally with (Nesterov) momentum."""

import numpy as np

from ember.keras.optimizers.optimizer import LearningRate, Optimizer, check_in_range


class SGD(Optimizer):
    """Gradient descent with optional momentum (Polyak 1964) and Nesterov momentum
    (Nesterov 1983; Sutskever et al. 2013, "On the importance of initialization and
    momentum in deep learning").

    Without momentum: ``w = w - learning_rate * g``. With momentum (Keras' form)::

        velocity = momentum * velocity - learning_rate * g
        w = w + velocity                                        # nesterov=False
        w = w + momentum * velocity - learning_rate * g         # nesterov=True

    For a constant learning rate this is PyTorch's SGD (``buf = momentum * buf + g``,
    ``w -= lr * buf``) with ``velocity = -lr * buf``.

    Args:
        learning_rate: float, schedule or callable; default 0.01.
        momentum: in [0, 1]; default 0.0 (plain gradient descent).
        nesterov: default False.
        name: default "SGD".
        **kwargs: the base ``Optimizer`` arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
            loss_scale_factor, gradient_accumulation_steps, lr, decay).
    """

    _elementwise_update = True

    def __init__(self, learning_rate: LearningRate = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, name: str = "SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = check_in_range("momentum", momentum)
        self.nesterov = bool(nesterov)

    def build(self, var_list):
        """Creates a zero ``momentum`` (the velocity) per variable when momentum > 0."""
        super().build(var_list)
        if self.momentum != 0:
            self.add_slots(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        w = variable.storage
        s = self._slots(variable)
        step = np.multiply(gradient, learning_rate, out=s.scratch)  # lr * g
        if self.momentum == 0:
            w -= step
            return
        velocity = s.momentum
        velocity *= self.momentum
        velocity -= step
        if self.nesterov:
            w -= step
            w += np.multiply(velocity, self.momentum, out=s.scratch)
        else:
            w += velocity

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
