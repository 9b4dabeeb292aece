"""Finding losses by name, and (de)serialising them in Keras 3's config layout."""

from __future__ import annotations

import inspect

from ember.keras.losses.convert import shape_of
from ember.keras.losses.crossentropy import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from ember.keras.losses.hinge import CategoricalHinge, Hinge, SquaredHinge
from ember.keras.losses.loss import LOSS_FUNCTIONS, Loss, LossFunctionWrapper
from ember.keras.losses.probabilistic import KLDivergence, Poisson
from ember.keras.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
)
from ember.keras.naming import to_snake_case
from ember.keras.saving import named_objects

_CLASSES = (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
)
# Keras's short names for the functions.
ALIASES = {
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "kld": "kl_divergence", "KLD": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence", "logcosh": "log_cosh",
    "huber_loss": "huber", "bce": "binary_crossentropy", "BCE": "binary_crossentropy",
}
ALL_OBJECTS = set(LOSS_FUNCTIONS.values()) | set(_CLASSES)
ALL_OBJECTS_DICT = {**LOSS_FUNCTIONS, **{cls.__name__: cls for cls in _CLASSES}}
ALL_OBJECTS_DICT.update({alias: LOSS_FUNCTIONS[name] for alias, name in ALIASES.items()})


def serialize(loss):
    """A loss as a config dict (Keras 3's layout); a string stays a string."""
    return named_objects.serialize(loss, kind="loss", module="keras.losses", base=Loss)


def deserialize(name, custom_objects=None):
    """The loss function or ``Loss`` instance that ``serialize`` described."""
    return named_objects.deserialize(
        name, custom_objects, kind="loss", get=get,
        classes={k: v for k, v in ALL_OBJECTS_DICT.items() if inspect.isclass(v)},
        functions={k: v for k, v in ALL_OBJECTS_DICT.items() if inspect.isfunction(v)})


def get(identifier):
    """The loss for ``identifier``: a name, a config dict, a function or a ``Loss``.

    Snake-case names give the function ('mse' -> ``mean_squared_error``); class names give
    an instance ('SparseCategoricalCrossentropy'). An unknown name raises a ValueError that
    suggests the closest known one.
    """
    return named_objects.get(identifier, kind="loss", objects=ALL_OBJECTS_DICT,
                             deserialize=deserialize,
                             expected="a loss name, a function, a Loss instance or a config "
                                      "dict")


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(is_binary, is_sparse_categorical) from the shapes, as Keras 3's compile decides."""
    ts, ps = shape_of(y_true), shape_of(y_pred)
    t_last = ts[-1] if len(ts) else None
    p_last = ps[-1] if len(ps) else None
    is_binary = p_last == 1
    is_sparse = len(ts) < len(ps) or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def _object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return obj.__name__
    return to_snake_case(type(obj).__name__)


def get_loss(identifier, y_true=None, y_pred=None):
    """The ``Loss`` object ``compile(loss=identifier)`` trains with (Keras 3's rules).

    'crossentropy'/'ce' pick binary, sparse or categorical cross-entropy from the shapes of
    ``y_true``/``y_pred`` (needed only then). A function is wrapped in a
    ``LossFunctionWrapper`` named after the identifier the user gave.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true is None or y_pred is None:
            raise ValueError(f"loss={identifier!r} is resolved from the shapes of the labels "
                             "and predictions: pass y_true and y_pred.")
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            loss_obj = binary_crossentropy
        elif is_sparse:
            loss_obj = sparse_categorical_crossentropy
        else:
            loss_obj = categorical_crossentropy
    else:
        loss_obj = get(identifier)
    if not isinstance(loss_obj, Loss):
        name = identifier if isinstance(identifier, str) else _object_name(loss_obj)
        loss_obj = LossFunctionWrapper(loss_obj, name=name)
    return loss_obj
