"""``tf.keras.optimizers.legacy``: Keras 2's name for its older optimizer classes, which
course notebooks still import (``tf.keras.optimizers.legacy.Adam(learning_rate=1e-3)``).
TF 2.21 refuses them under Keras 3; Ember gives the current classes, whose update rules and
defaults are the same."""

from ember.keras.optimizers.adadelta import Adadelta  # noqa: F401
from ember.keras.optimizers.adagrad import Adagrad  # noqa: F401
from ember.keras.optimizers.adam import Adam  # noqa: F401
from ember.keras.optimizers.adamax import Adamax  # noqa: F401
from ember.keras.optimizers.nadam import Nadam  # noqa: F401
from ember.keras.optimizers.optimizer import Optimizer  # noqa: F401
from ember.keras.optimizers.rmsprop import RMSprop  # noqa: F401
from ember.keras.optimizers.sgd import SGD  # noqa: F401
