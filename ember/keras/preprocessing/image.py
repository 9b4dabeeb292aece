"""``keras.preprocessing.image`` (Keras 2's namespace): ImageDataGenerator, its iterators,
the affine helpers, and the image file helpers of ``keras.utils``."""

from ember.keras.preprocessing.image_generator import ImageDataGenerator  # noqa: F401
from ember.keras.preprocessing.image_iterators import (  # noqa: F401
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)
from ember.keras.preprocessing.image_transforms import (  # noqa: F401
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    transform_matrix_offset_center,
)
from ember.keras.utils.image_utils import (  # noqa: F401
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)


def smart_resize(x, size, interpolation="bilinear"):
    """Resizes an image (height, width, channels) to ``size`` without distorting it: the
    largest centred crop of the target aspect ratio, then a resize."""
    import numpy as np

    from ember.keras.utils.image_utils import crop_to_aspect, resize_image
    arr = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}")
    if arr.ndim != 3:
        raise ValueError("Expected an image array with shape `(height, width, channels)`, but "
                         f"got input with incorrect rank, of shape {arr.shape}")
    return resize_image(crop_to_aspect(arr, size), size, interpolation)
