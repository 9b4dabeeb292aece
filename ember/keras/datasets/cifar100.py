"""CIFAR-100: 50,000 training and 10,000 test colour images of 32x32 pixels, in 100 fine
classes grouped into 20 coarse ones."""

from __future__ import annotations

from . import cifar

URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Load CIFAR-100, as ``keras.datasets.cifar100.load_data`` does, from the Keras cache
    (``~/.keras/datasets/cifar-100-python-target/cifar-100-python/{train,test}``, Keras 2's
    ``~/.keras/datasets/cifar-100-python/``, or the downloaded archive).

    Args:
        label_mode: 'fine' (100 classes, default) or 'coarse' (20 super-classes).
    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 images (n, 32, 32, 3) and uint8
        labels (n, 1).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError("`label_mode` must be one of `'fine'`, `'coarse'`. Received: "
                         f"label_mode={label_mode!r}.")
    read = cifar.batch_reader("cifar-100-python-target", "cifar-100-python", URL, SHA256,
                              "CIFAR-100")
    x_train, y_train = cifar.load_batch(read, "train", f"{label_mode}_labels")
    x_test, y_test = cifar.load_batch(read, "test", f"{label_mode}_labels")
    return cifar.finish(x_train, y_train, x_test, y_test)
