"""``keras.layers.experimental.preprocessing`` (TF 2.3-2.5 spelling): the preprocessing
layers under their old path (the same classes as ``keras.layers``)."""

from ember.keras.layers.feature_preprocessing import (  # noqa: F401
    CategoryEncoding,
    Discretization,
    Hashing,
    Normalization,
)
from ember.keras.layers.image import (  # noqa: F401
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
)
from ember.keras.layers.image_preprocessing import (  # noqa: F401
    CenterCrop,
    RandomBrightness,
    RandomCrop,
    RandomHeight,
    RandomWidth,
    Resizing,
)
from ember.keras.layers.text import (  # noqa: F401
    IntegerLookup,
    StringLookup,
    TextVectorization,
)
