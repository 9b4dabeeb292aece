"""``tf.data.experimental``: the constants and helpers TF kept under this name."""

from __future__ import annotations

from ember.data.csv_dataset import CsvDataset, make_csv_dataset  # noqa: F401
from ember.data.dataset import INFINITE, UNKNOWN, Dataset
from ember.data.options import AutoShardPolicy, DistributeOptions  # noqa: F401

AUTOTUNE = -1
INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def cardinality(dataset):
    """``dataset.cardinality()``: the element count as an int64 tensor (-1 infinite, -2
    unknown)."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"cardinality expects a Dataset; received {type(dataset).__name__}.")
    return dataset.cardinality()


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def assert_cardinality(expected_cardinality):
    """A transformation for ``Dataset.apply`` that declares the element count and checks
    it while iterating."""
    from ember.data.checks import AssertCardinalityDataset
    expected = int(getattr(expected_cardinality, "numpy", lambda: expected_cardinality)())
    return lambda dataset: AssertCardinalityDataset(dataset, expected)
