"""``keras.utils.image_dataset_from_directory``: a folder of class subfolders of images as a
``tf.data.Dataset`` of ``(images, labels)`` batches.

Files are listed and split as Keras does (``dataset_utils.index_directory``), then decoded
lazily, one image per element, when the dataset is iterated: images are float32 in 0..255
(uint8 with ``interpolation="nearest"``, as in Keras) of shape ``image_size + (channels,)``.
"""

from __future__ import annotations

import numpy as np

from ember.keras.utils import dataset_utils, image_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A dataset of images from ``directory/<class>/<image>`` files.

    Args:
        labels: ``"inferred"`` (one class per subfolder), a list of ints (one per file in
            sorted path order) or None (images only).
        label_mode: ``"int"`` (int32), ``"categorical"`` (one-hot float32), ``"binary"``
            (float32 0/1, exactly two classes) or None.
        class_names: the subfolders to use, in label order (default: all, sorted).
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        batch_size: 32 by default; None yields single images.
        image_size: ``(height, width)`` every image is resized to.
        shuffle, seed: shuffle the files (and each epoch's order); a seed is required with
            ``validation_split``, so that training and validation never overlap.
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            ``subset`` is ``"training"``, ``"validation"`` or ``"both"`` (a pair of datasets).
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"area"``,
            ``"lanczos3"``, ``"lanczos5"``.
        crop_to_aspect_ratio / pad_to_aspect_ratio: centre-crop (or zero-pad) each image to
            the target aspect ratio before resizing.

    Returns:
        A ``Dataset`` with ``class_names`` and ``file_paths`` attributes (two of them for
        ``subset="both"``).
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of "
                             "the same size as the number of image files in the target "
                             "directory. If you wish to infer the labels from the subdirectory "
                             'names in the target directory, pass `labels="inferred"`. If you '
                             "wish to get a dataset that only contains images (no labels), "
                             f"pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "True.")
    image_utils.pil_image()  # a missing Pillow is reported now, not at the first batch
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose)
    if not paths:
        raise ValueError(f"No images found in directory {directory}. Allowed formats: "
                         f"{ALLOWLIST_FORMATS}" + (
                             " (with labels='inferred', the images must be in one subfolder "
                             "per class)" if labels is not None else ""))
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    options = {"image_size": tuple(image_size), "channels": channels,
               "interpolation": interpolation, "crop": crop_to_aspect_ratio,
               "pad": pad_to_aspect_ratio,
               "channels_first": image_utils._channels_first(data_format)}
    num_classes = len(class_names) if class_names else 0
    def build(part, part_labels, shuffled, what):
        if not part:
            raise ValueError(f"No {what}images found in directory {directory}. Allowed "
                             f"formats: {ALLOWLIST_FORMATS}")
        return dataset_utils.files_dataset(
            part, part_labels, label_mode, num_classes, read=lambda p: load_image(p, **options),
            batch_size=batch_size, shuffle=shuffled, seed=seed, class_names=class_names)

    return dataset_utils.directory_subsets(paths, labels, validation_split, subset, shuffle,
                                           build)


def load_image(path, image_size, channels, interpolation, crop=False, pad=False,
               channels_first=False):
    """One image file as an array resized to ``image_size`` (Keras's pipeline): float32,
    except that ``"nearest"`` keeps the file's uint8 pixels, as TF's resize does."""
    mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[channels]
    img = image_utils.load_img(path, color_mode=mode)
    x = np.asarray(img)
    if x.ndim == 2:
        x = x[:, :, None]
    if pad:
        x = image_utils.resize_with_pad(x, image_size, interpolation)
    else:
        if crop:
            x = image_utils.crop_to_aspect(x, image_size)
        x = image_utils.resize_image(x, image_size, interpolation)
    return x.transpose(2, 0, 1) if channels_first else x
