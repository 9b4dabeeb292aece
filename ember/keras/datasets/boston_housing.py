"""Boston house prices: 506 houses, 13 features, the median value in k$ as target."""

from __future__ import annotations

from . import housing

SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data, as ``keras.datasets.boston_housing.load_data`` does,
    from ``~/.keras/datasets/boston_housing.npz``.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: float arrays (n, 13) and (n,).
    """
    return housing.load_split(path, "boston_housing.npz", SHA256, "Boston housing",
                              test_split, seed)
