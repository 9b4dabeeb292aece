"""Loss functions and ``Loss`` classes (``keras.losses``): how wrong the predictions are.

Each function returns one loss per sample (reduced over the last axis where Keras does);
a ``Loss`` object reduces those to the scalar that training minimises. The default
reduction, 'sum_over_batch_size', is Keras 3's: ``Σ loss·sample_weight / number of losses``.

    mean_squared_error:   mean((y - ŷ)²)
    binary_crossentropy:  mean(-[y·log ŷ + (1-y)·log(1-ŷ)])
    categorical_crossentropy:         -Σ y·log ŷ
    sparse_categorical_crossentropy:  -log ŷ[label]

Everything that must be differentiable is written in Ember ops, so ``GradientTape`` sees
it. Probabilities are clipped to [ε, 1-ε] (ε = ``keras.backend.epsilon()`` = 1e-7, or the
machine epsilon of float16 where 1e-7 is not representable); when the predictions come from
a softmax or sigmoid that kept its logits (``y_pred._keras_logits``), the cross-entropies
use the exact fused "with logits" form instead, as Keras's TensorFlow backend does.

Where Ember differs from Keras 3, deliberately: a float64 ``y_pred`` Tensor is not cast
to float32 (so float64 checks are exact), integer labels are never turned into floats,
sample weights of lower rank than the losses broadcast over the trailing axes, and float16
cross-entropy on probabilities stays finite: it clips at 2⁻¹⁰ (float16's machine epsilon),
so a fully wrong float16 prediction costs 10·log 2 ≈ 6.93 where TF gives NaN/inf (binary) or
-log(1.19e-7) ≈ 15.9 (categorical/sparse).

Layout: ``loss.py`` (the base classes and reductions), ``crossentropy.py``,
``regression.py``, ``probabilistic.py``, ``hinge.py`` (functions with their classes),
``serialization.py`` (look-up by name, configs).
"""

from ember.keras.losses.crossentropy import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
)
from ember.keras.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    convert_binary_labels_to_hinge,
    hinge,
    squared_hinge,
)
from ember.keras.losses.loss import (
    Loss,
    LossFunctionWrapper,
    Reduction,
    reduce_values,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)
from ember.keras.losses.probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from ember.keras.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from ember.keras.losses.serialization import (
    ALL_OBJECTS,
    ALL_OBJECTS_DICT,
    deserialize,
    get,
    get_loss,
    is_binary_or_sparse_categorical,
    serialize,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
bce = BCE = binary_crossentropy

__all__ = [
    "ALL_OBJECTS", "ALL_OBJECTS_DICT", "BCE", "BinaryCrossentropy", "BinaryFocalCrossentropy",
    "CategoricalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalHinge",
    "CosineSimilarity", "Hinge", "Huber", "KLD", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MAE", "MAPE", "MSE", "MSLE", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "Poisson", "Reduction", "SparseCategoricalCrossentropy", "SquaredHinge", "bce",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "convert_binary_labels_to_hinge",
    "cosine_similarity", "deserialize", "get", "get_loss", "hinge", "huber", "huber_loss",
    "is_binary_or_sparse_categorical", "kl_divergence", "kld", "kullback_leibler_divergence",
    "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "mse", "msle", "poisson", "reduce_values", "reduce_weighted_values", "serialize",
    "sparse_categorical_crossentropy", "squared_hinge", "squeeze_or_expand_to_same_rank",
    "standardize_reduction",
]
