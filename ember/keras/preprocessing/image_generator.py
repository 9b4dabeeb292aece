"""Keras 2's ``ImageDataGenerator``: real-time augmentation and standardisation of images,
batched by ``flow(x, y)`` or ``flow_from_directory(directory)``::

    train_datagen = ImageDataGenerator(rescale=1./255, rotation_range=40,
                                       width_shift_range=0.2, horizontal_flip=True)
    train_generator = train_datagen.flow_from_directory(
        train_dir, target_size=(150, 150), batch_size=20, class_mode='binary')
    model.fit(train_generator, epochs=15, validation_data=validation_generator)

Each image gets, in Keras 2's order: a random affine transform (rotation, shift, shear,
zoom), channel shift, flips and brightness; then ``standardize``: ``preprocessing_function``,
``rescale``, sample-wise and feature-wise centring and scaling.
"""

from __future__ import annotations

import warnings

import numpy as np

from ember import random as _random
from ember.keras import settings
from ember.keras.preprocessing import image_transforms as T
from ember.keras.preprocessing.image_iterators import DirectoryIterator, NumpyArrayIterator


def _float_range(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"ImageDataGenerator: `{name}` should be a number. Received: "
                         f"{name}={value!r}")
    return value


def _shift_range(value, name):
    """A shift range: a float (fraction of the size if < 1, else pixels), an int (whole
    pixels), or a list/array of allowed values."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.asarray(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"ImageDataGenerator: `{name}` should be a float, an int or a list of "
                         f"values. Received: {name}={value!r}")
    return value


class ImageDataGenerator:
    """Generates batches of images with real-time augmentation (Keras 2 API).

    Args:
        featurewise_center / featurewise_std_normalization: subtract the data set's
            per-channel mean / divide by its std; the statistics come from ``fit(x)``.
        samplewise_center / samplewise_std_normalization: the same per image.
        zca_whitening, zca_epsilon: ZCA whitening from ``fit(x)``.
        rotation_range: degrees; a rotation is drawn from [-r, r].
        width_shift_range / height_shift_range: a float < 1 is a fraction of the width /
            height, >= 1 pixels; an int draws whole pixels from [-r, r]; a list draws one of
            its values.
        brightness_range: (low, high) brightness factors.
        shear_range: shear angle in degrees, counter-clockwise.
        zoom_range: a float z means [1 - z, 1 + z], or a pair (low, high); a factor above 1
            shows more of the image (zooms out).
        channel_shift_range: a random shift added to every channel.
        fill_mode: 'nearest' (default), 'constant' (with ``cval``), 'reflect' or 'wrap'.
        horizontal_flip / vertical_flip: flip with probability 1/2.
        rescale: multiply every pixel by this (e.g. 1./255), before the other
            standardisation steps.
        preprocessing_function: called on each image (rank-3 array) after augmentation,
            first thing in ``standardize``.
        data_format: 'channels_last' (default from ``keras.backend.image_data_format()``)
            or 'channels_first'.
        validation_split: the fraction kept for ``subset='validation'`` of ``flow`` and
            ``flow_from_directory``.
        interpolation_order: 1 (bilinear, default) or 0 (nearest).
        dtype: of the generated batches (default float32).
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = _float_range(rotation_range, "rotation_range")
        self.width_shift_range = _shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _shift_range(height_shift_range, "height_shift_range")
        self.shear_range = _float_range(shear_range, "shear_range")
        self.channel_shift_range = _float_range(channel_shift_range, "channel_shift_range")
        if fill_mode not in T.FILL_MODES:
            raise ValueError(f"ImageDataGenerator: `fill_mode` should be one of "
                             f"{list(T.FILL_MODES)}. Received: fill_mode={fill_mode!r}")
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError("ImageDataGenerator: `preprocessing_function` should be callable. "
                            f"Received: {preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        self.dtype = np.dtype(dtype or settings.floatx()).name
        self.interpolation_order = interpolation_order
        if interpolation_order not in (0, 1):
            raise ValueError("ImageDataGenerator: `interpolation_order` must be 0 (nearest) or "
                             f"1 (bilinear) in Ember. Received: {interpolation_order!r}")
        data_format = data_format or settings.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError("`data_format` should be 'channels_last' (channel after row and "
                             "column) or 'channels_first' (channel before row and column). "
                             f"Received: {data_format!r}")
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if isinstance(validation_split, bool) or not isinstance(
                validation_split, (int, float)) or not 0 <= validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. Received: "
                             f"{validation_split!r}")
        self._validation_split = float(validation_split)
        self.mean = self.std = self.principal_components = None
        if isinstance(zoom_range, (int, float)) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (list, tuple, np.ndarray)) and len(zoom_range) == 2:
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                             f"Received: {zoom_range!r}")
        if brightness_range is not None and (not isinstance(
                brightness_range, (list, tuple, np.ndarray)) or len(brightness_range) != 2):
            raise ValueError("`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range!r}")
        self.brightness_range = brightness_range
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of `featurewise_std_normalization`.",
                              stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=2)

    # -- batches --------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Batches of augmented images from arrays: ``(x, y)`` (or ``x`` alone when y is
        None); ``subset`` 'training' / 'validation' takes the part kept by
        ``validation_split`` (the first fraction is validation, as in Keras 2)."""
        if save_to_dir is not None:
            raise ValueError("flow(save_to_dir=...) is not supported by Ember; save images "
                             "with keras.utils.save_img instead.")
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, subset=subset,
                                  ignore_class_split=ignore_class_split)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        """Batches of augmented images from ``directory/<class>/<image>`` files (png, jpg,
        bmp, ppm, tif), resized to ``target_size``; see ``DirectoryIterator``."""
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links,
                                 subset=subset, interpolation=interpolation,
                                 keep_aspect_ratio=keep_aspect_ratio)

    def flow_from_dataframe(self, *args, **kwargs):
        raise ValueError("ImageDataGenerator.flow_from_dataframe is not supported by Ember; "
                         "use flow_from_directory, or load the images into arrays and use "
                         "flow(x, y).")

    # -- standardisation ------------------------------------------------------------------
    def standardize(self, x):
        """Applies ``preprocessing_function``, ``rescale`` and the normalisations to an
        image or a batch (in place for float arrays, as Keras 2 does)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn("This ImageDataGenerator specifies "
                              "`featurewise_std_normalization`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.principal_components is None:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
            else:
                flat = np.reshape(x, (-1, np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.principal_components, x.shape)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the statistics of ``featurewise_center``, ``featurewise_std_normalization``
        and ``zca_whitening`` from images ``x`` (rank 4). As TF 2's Keras does, ``rescale``
        is applied first, so the statistics match the rescaled images ``standardize`` sees.
        ``augment=True`` computes them over ``rounds`` randomly augmented copies."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f"Expected input to be images (as Numpy array) following the data "
                          f"format convention {self.data_format!r} (channels on axis "
                          f"{self.channel_axis}), i.e. expected either 1, 3 or 4 channels on "
                          f"axis {self.channel_axis}. However, it was passed an array with "
                          f"shape {x.shape} ({x.shape[self.channel_axis]} channels).",
                          stacklevel=2)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(seed) if seed is not None else None
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.apply_transform(
                        x[i], self._draw_transform(x[i].shape, rng))
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape).astype(self.dtype)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape).astype(self.dtype)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (x.shape[0], -1))
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            s_inv = 1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = ((u * s_inv) @ u.T).astype(self.dtype)

    # -- augmentation ---------------------------------------------------------------------
    def get_random_transform(self, img_shape, seed=None):
        """The random parameters for one image of ``img_shape`` (a dict: theta, tx, ty,
        shear, zx, zy, flip_horizontal, flip_vertical, channel_shift_intensity,
        brightness)."""
        rng = np.random.default_rng(seed) if seed is not None else None
        return self._draw_transform(img_shape, rng)

    def _draw_transform(self, img_shape, rng=None):
        rng = rng or _random.get_global_generator()
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        theta = rng.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = self._shift(rng, self.height_shift_range, img_shape[row_axis])
        ty = self._shift(rng, self.width_shift_range, img_shape[col_axis])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = bool(rng.random() < 0.5) and bool(self.horizontal_flip)
        flip_v = bool(rng.random() < 0.5) and bool(self.vertical_flip)
        channel_shift = None
        if self.channel_shift_range:
            channel_shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_h, "flip_vertical": flip_v,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    @staticmethod
    def _shift(rng, shift_range, size):
        if isinstance(shift_range, np.ndarray):
            value = rng.choice(shift_range)
            return value * size if np.max(np.abs(shift_range)) < 1 else value
        if not shift_range:
            return 0
        if isinstance(shift_range, int):
            return int(rng.integers(-shift_range, shift_range + 1))
        value = rng.uniform(-shift_range, shift_range)
        return value * size if shift_range < 1 else value

    def apply_transform(self, x, transform_parameters):
        """Applies the parameters of ``get_random_transform`` to one image (rank 3)."""
        p = transform_parameters
        row, col, ch = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = T.apply_affine_transform(
            x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
            p.get("zx", 1), p.get("zy", 1), row_axis=row, col_axis=col, channel_axis=ch,
            fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = T.apply_channel_shift(x, p["channel_shift_intensity"], ch)
        if p.get("flip_horizontal", False):
            x = T.flip_axis(x, col)
        if p.get("flip_vertical", False):
            x = T.flip_axis(x, row)
        if p.get("brightness") is not None:
            x = T.apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image ``x`` with a random augmentation applied."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))
