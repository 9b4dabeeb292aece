"""Small real and synthetic data for the user programs in this folder.

Fashion-MNIST is real (read from the local copy); CIFAR, IMDB and the flower photos are
not reachable offline, so their stand-ins have the real shapes and a learnable signal.
"""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def fashion():
    """2000 training and 500 test images of Fashion-MNIST, uint8 as ``load_data`` gives."""
    import ember as tf

    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    return (x_train[:2000], y_train[:2000]), (x_test[:500], y_test[:500])


def colour_images(n, size=32, classes=3, seed=0):
    """CIFAR-shaped uint8 images whose class sets which colour channel is bright."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.integers(0, 120, (n, size, size, 3)).astype(np.float32)
    x[np.arange(n), :, :, y % 3] += 120
    return x.astype(np.uint8), y.astype(np.uint8)


WORDS = {
    "pos": ["great", "wonderful", "superb", "moving", "brilliant", "delightful", "loved",
            "masterpiece"],
    "neg": ["awful", "boring", "terrible", "dull", "waste", "poorly", "hated", "mess"],
}
FILLER = ["the", "movie", "film", "plot", "actor", "scene", "story", "was", "and", "it", "a",
          "of", "this"]


def review(label, rng, length=12):
    """A short IMDB-like review: filler words with a few words of its sentiment."""
    words = list(rng.choice(FILLER, length)) + list(rng.choice(WORDS[label], 3))
    rng.shuffle(words)
    return " ".join(words).capitalize() + ".<br /><br />" + " ".join(rng.choice(FILLER, 3))


def write_review_folders(root, n_per_class=40, seed=0):
    """``aclImdb``-style folders: root/{train,test}/{neg,pos}/<i>.txt."""
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(n_per_class):
                (folder / f"{i}_{label}.txt").write_text(review(label, rng))
    return root
