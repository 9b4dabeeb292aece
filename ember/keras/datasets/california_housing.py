"""California house prices: 20,640 districts, 8 features, the median house value."""

from __future__ import annotations

from . import housing

SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing data, as ``keras.datasets.california_housing.load_data``
    does, from ``~/.keras/datasets/california_housing.npz``; ``version='small'`` keeps the
    first 600 districts.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: float arrays (n, 8) and (n,).
    """
    if version not in ("small", "large"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. Received: "
                         f"version={version!r}")
    return housing.load_split(path, "california_housing.npz", SHA256, "California housing",
                              test_split, seed, first=600 if version == "small" else None)
