"""The batch iterators of ``ImageDataGenerator``: ``flow`` (arrays) and
``flow_from_directory`` (image files in one folder per class).

Each is a ``keras.utils.Sequence``: ``len(it)`` batches per epoch, ``it[i]`` the i-th
batch, reshuffled after each epoch when ``shuffle``; ``next(it)`` loops forever, as in
Keras 2, so ``model.fit(it, epochs=..., steps_per_epoch=...)`` and
``validation_data=other_it`` both work.
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np

from ember.keras.utils.sequence import PyDataset

IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


class Iterator(PyDataset):
    """Batches of indices into ``n`` samples, shuffled per epoch with ``seed`` (+ the number
    of batches seen, as Keras 2 reseeds)."""

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` should be a positive int. Received: "
                             f"batch_size={batch_size!r}")
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, bool(shuffle), seed
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        # A seeded iterator also repeats its augmentations (Keras 2 seeded only shuffling and
        # drew transforms from NumPy's global state); else keras.utils.set_random_seed rules.
        self._aug_rng = None if seed is None else np.random.default_rng([seed, 1])

    def _set_index_array(self):
        if self.shuffle:
            seed = None if self.seed is None else self.seed + self.total_batches_seen
            self.index_array = np.random.default_rng(seed).permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, idx):
        if idx >= len(self) or idx < -len(self):
            raise IndexError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        idx %= len(self)
        if self.index_array is None:
            self._set_index_array()
        self.total_batches_seen += 1
        rows = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(rows)

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            if self.index_array is None or self.batch_index == 0 and self.total_batches_seen:
                self._set_index_array()
            current = self.batch_index
            self.batch_index = (self.batch_index + 1) % len(self)
            self.total_batches_seen += 1
            rows = self.index_array[self.batch_size * current:self.batch_size * (current + 1)]
        return self._get_batches_of_transformed_samples(rows)

    def next(self):
        return self.__next__()


class NumpyArrayIterator(Iterator):
    """Batches ``(x, y)`` (or ``x``, or ``(x, y, sample_weight)``) from arrays, each image
    transformed by the generator's random augmentation and then standardised."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=True,
                 sample_weight=None, seed=None, data_format=None, subset=None, dtype=None,
                 ignore_class_split=False):
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4 (images of "
                             f"shape (height, width, channels)). You passed an array with "
                             f"shape {x.shape}; a grayscale batch needs a channel axis, e.g. "
                             "np.expand_dims(x, -1).")
        if y is not None:
            y = np.asarray(y)
            if len(x) != len(y):
                raise ValueError("`x` (images tensor) and `y` (labels) should have the same "
                                 f"length. Found: x.shape = {x.shape}, y.shape = {y.shape}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if len(sample_weight) != len(x):
                raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                                 f"length. Found: x.shape = {x.shape}, sample_weight.shape = "
                                 f"{sample_weight.shape}")
        split = image_data_generator._validation_split
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset!r}; expected 'training' or "
                                 "'validation'.")
            if not split:
                raise ValueError(f"flow(subset={subset!r}) needs the ImageDataGenerator to "
                                 "have a validation_split.")
            # Keras 2's rule: the first fraction of the arrays is the validation subset.
            cut = int(len(x) * split)
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            if y is not None and not ignore_class_split and subset == "validation":
                missing = np.setdiff1d(np.unique(y), np.unique(y[part]))
                if missing.size:
                    raise ValueError("Training and validation subsets have different number "
                                     "of classes after the split. If your numpy arrays are "
                                     "sorted by the label, you might want to shuffle them.")
            x = x[part]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.dtype = dtype or image_data_generator.dtype
        self.x = x.astype(self.dtype, copy=False) if x.dtype.kind != "f" else x
        self.y, self.sample_weight = y, sample_weight
        self.image_data_generator = image_data_generator
        self.data_format = image_data_generator.data_format
        channels = x.shape[image_data_generator.channel_axis]
        if channels not in (1, 3, 4):
            import warnings
            warnings.warn(f"NumpyArrayIterator is set to use the data format convention "
                          f"{self.data_format!r} (channels on axis "
                          f"{image_data_generator.channel_axis}), i.e. expected either 1, 3, "
                          f"or 4 channels on that axis. However, it was passed an array with "
                          f"shape {x.shape} ({channels} channels).", stacklevel=3)
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j].astype(self.dtype, copy=True)
            x = gen.apply_transform(x, gen._draw_transform(x.shape, self._aug_rng))
            batch_x[i] = gen.standardize(x)
        if self.y is None:
            return batch_x
        out = (batch_x, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


def _class_files(directory, classes, split, follow_links):
    """(class names, [(relative path, class index)]) from one sub-folder per class; with
    ``split`` = (start, stop) fractions, each class keeps that part of its sorted files."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"flow_from_directory: directory {directory!r} does not exist "
                                "or is not a folder.")
    if classes is None:
        classes = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
    found = []
    for index, name in enumerate(classes):
        root = os.path.join(directory, name)
        if not os.path.isdir(root):
            raise FileNotFoundError(f"flow_from_directory: class folder {root!r} does not "
                                    "exist.")
        files = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
            dirnames.sort()
            for f in sorted(filenames):
                if f.lower().rsplit(".", 1)[-1] in IMAGE_FORMATS and "." in f:
                    files.append(os.path.relpath(os.path.join(dirpath, f), directory))
        if split is not None:
            files = files[int(split[0] * len(files)):int(split[1] * len(files))]
        found.extend((f, index) for f in files)
    return list(classes), found


class DirectoryIterator(Iterator):
    """Batches of images read from ``directory/<class>/<file>``: ``class_indices`` maps
    class names (sorted folder names) to indices; ``filenames`` and ``classes`` list each
    sample in order; ``samples``/``n`` count them.

    ``class_mode``: 'categorical' (one-hot float labels), 'binary' (float 0/1), 'sparse'
    (float class indices), 'input' (the images themselves) or None (images only).
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f"Invalid color mode: {color_mode!r}; expected 'rgb', 'rgba' or "
                             "'grayscale'.")
        if class_mode not in ("categorical", "binary", "sparse", "input", None):
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of "
                             "'categorical', 'binary', 'sparse', 'input' or None.")
        if save_to_dir is not None:
            raise ValueError("flow_from_directory(save_to_dir=...) is not supported by Ember; "
                             "save images with keras.utils.save_img instead.")
        self.directory = os.fspath(directory)
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode, self.class_mode = color_mode, class_mode
        self.data_format = image_data_generator.data_format
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.dtype = dtype or image_data_generator.dtype
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        split = None
        vs = image_data_generator._validation_split
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset!r}; expected 'training' or "
                                 "'validation'.")
            if not vs:
                raise ValueError(f"flow_from_directory(subset={subset!r}) needs the "
                                 "ImageDataGenerator to have a validation_split.")
            split = (0.0, vs) if subset == "validation" else (vs, 1.0)
        self.subset = subset
        names, found = _class_files(self.directory, classes, split, follow_links)
        self.class_indices = {name: i for i, name in enumerate(names)}
        self.num_classes = len(names)
        if class_mode == "binary" and self.num_classes > 2:
            raise ValueError(f"class_mode='binary' needs at most 2 classes; found "
                             f"{self.num_classes} in {self.directory!r}: {names}. Use "
                             "class_mode='categorical' or 'sparse'.")
        self.filenames = [f for f, _ in found]
        self.classes = np.array([c for _, c in found], dtype=np.int32)
        self.samples = len(self.filenames)
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return list(self._filepaths)

    @property
    def labels(self):
        return self.classes

    def _get_batches_of_transformed_samples(self, index_array):
        from ember.keras.utils.image_utils import img_to_array, load_img
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            if hasattr(img, "close"):
                img.close()
            x = gen.apply_transform(x, gen._draw_transform(x.shape, self._aug_rng))
            batch_x[i] = gen.standardize(x)
        if self.class_mode is None:
            return batch_x
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.0
        else:
            batch_y = self.classes[index_array].astype(self.dtype)
        return batch_x, batch_y
