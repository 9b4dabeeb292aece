"""``tf.data``: input pipelines (``Dataset`` and its transformations, ``TextLineDataset``).

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10000).batch(32)
"""

# Every module that registers a dataset kind with ember.data.dataset is imported here.
from ember.data import (  # noqa: F401
    batching,
    caching,
    combining,
    counting,
    experimental,
    mapping,
    options,
    shuffling,
    sources,
)
from ember.data.dataset import Dataset, DatasetSpec
from ember.data.experimental import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
)
from ember.data.options import Options
from ember.data.sources import TextLineDataset

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "INFINITE_CARDINALITY", "Options",
           "TextLineDataset", "UNKNOWN_CARDINALITY", "experimental"]
