"""What the directory loaders share (Keras's rules), and ``keras.utils.split_dataset``.

``index_directory`` lists the files of a folder of class subfolders exactly as Keras does
(sorted walk, classes in sorted order, shuffled with NumPy's ``RandomState(seed)``), so the
same ``seed`` puts the same files in the training and validation subsets as Keras would.
"""

from __future__ import annotations

import os
import random

import numpy as np


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def _valid_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield os.path.join(root, fname)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """``(file_paths, labels, class_names)`` of the files under ``directory``.

    With ``labels="inferred"`` each subfolder is a class (sorted by name unless
    ``class_names`` gives the order); with a list of labels they follow the sorted file
    paths; with ``None`` there are no labels.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"The directory {directory!r} does not exist (or is not a folder).")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the "
                                 "subdirectories of the target directory. Expected: "
                                 f"{subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified." if labels is None else
                             "When argument `labels` is specified, argument `class_names` "
                             "cannot be specified (the `class_names` will be the sorted list "
                             "of labels).")
        subdirs = [""]
    file_paths, inferred = [], []
    for index, sub in enumerate(subdirs):
        folder = os.path.join(directory, sub) if sub else directory
        found = list(_valid_files(folder, follow_links, formats))
        file_paths += found
        inferred += [index] * len(found)
    if labels == "inferred":
        labels = np.asarray(inferred, dtype=np.int32)
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(file_paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(file_paths)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print(f"Found {len(file_paths)} files." if labels is None else
              f"Found {len(file_paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        # Two generators from one seed keep paths and labels paired (Keras's way).
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The training part (all but the last ``validation_split``) or the validation part."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val] if num_val else samples, \
            None if labels is None else (labels[:-num_val] if num_val else labels)
    if subset == "validation":
        print(f"Using {num_val} files for validation.")
        return samples[-num_val:] if num_val else [], \
            None if labels is None else (labels[-num_val:] if num_val else labels[:0])
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def encode_labels(labels, label_mode, num_classes):
    """Labels as Keras gives them: int32 (``int``), one-hot float32 (``categorical``) or
    float32 of shape (n, 1) (``binary``)."""
    labels = np.asarray(labels)
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    raise ValueError(f'`label_mode` must be "int", "categorical", "binary" or None; received '
                     f"label_mode={label_mode!r}.")


# -- split_dataset ----------------------------------------------------------------------

def files_dataset(paths, labels, label_mode, num_classes, *, read, batch_size, shuffle, seed,
                  class_names):
    """The directory loaders' dataset: each file read by ``read(path)`` (with its encoded
    label unless ``label_mode`` is None), shuffled by path before reading, then batched;
    ``class_names`` and ``file_paths`` set as Keras sets them."""
    from ember.data import Dataset
    path_ds = Dataset.from_tensor_slices(np.array([p.encode() for p in paths], dtype=object))
    if label_mode:
        encoded = encode_labels(labels, label_mode, num_classes)
        ds = Dataset.zip((path_ds, Dataset.from_tensor_slices(encoded)))
    else:
        ds = path_ds
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024,
                        seed=seed)

    def load(path, *label):
        value = read(path.numpy().decode())
        return (value,) + label if label else value

    ds = ds.map(load)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds = ds.prefetch(-1)
    ds.class_names = class_names
    ds.file_paths = paths
    return ds


def directory_subsets(paths, labels, validation_split, subset, shuffle, build):
    """``build(paths, labels, shuffle, what)`` of the requested subset, or [training,
    validation] for ``subset="both"`` (validation never shuffled)."""
    if subset == "both":
        train = get_training_or_validation_split(paths, labels, validation_split, "training")
        val = get_training_or_validation_split(paths, labels, validation_split, "validation")
        return [build(*train, shuffle, "training "), build(*val, False, "validation ")]
    part, part_labels = get_training_or_validation_split(paths, labels, validation_split,
                                                         subset)
    return build(part, part_labels, shuffle, "")


def _samples(dataset):
    """The dataset as a list of samples, and how to rebuild arrays from such a list."""
    from ember.data import Dataset
    from ember.data.batching import BatchDataset
    if isinstance(dataset, Dataset):
        source = dataset
        batch_size = None
        if isinstance(source, BatchDataset):
            batch_size = source._batch_size
        if _is_batched(source):
            source = source.unbatch()
        return list(source.as_numpy_iterator()), batch_size
    if isinstance(dataset, np.ndarray) or hasattr(dataset, "numpy"):
        return list(np.asarray(dataset)), None
    if isinstance(dataset, (list, tuple)):
        arrays = [np.asarray(a) for a in dataset]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError("split_dataset: the arrays must all have the same length; "
                             f"received lengths {[len(a) for a in arrays]}.")
        return list(zip(*arrays)), None
    raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object, or a "
                    f"list/tuple of arrays. Received: dataset={dataset!r} of type "
                    f"{type(dataset)}")


def _is_batched(dataset):
    from ember.data.batching import BatchDataset, PaddedBatchDataset
    d = dataset
    while d is not None:
        if isinstance(d, (BatchDataset, PaddedBatchDataset)):
            return True
        d = getattr(d, "_input", None)
    return False


def _split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def _to_dataset(samples):
    from ember.data import Dataset
    first = samples[0]
    if isinstance(first, tuple):
        return Dataset.from_tensor_slices(tuple(np.stack([s[i] for s in samples])
                                                for i in range(len(first))))
    if isinstance(first, dict):
        return Dataset.from_tensor_slices({k: np.stack([s[k] for s in samples])
                                           for k in first})
    return Dataset.from_tensor_slices(np.stack(samples))


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Splits a dataset (or arrays, or a tuple of arrays) into two datasets.

    Sizes are a fraction in (0, 1) or a number of samples; a missing one is the rest. With
    ``shuffle=True`` the samples are shuffled first with Python's ``random.Random(seed)``
    (Keras's generator, so a seed splits as in Keras). A batched dataset's splits are
    batched with its batch size.

    Returns:
        ``(left_dataset, right_dataset)``.
    """
    samples, batch_size = _samples(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    left_ds, right_ds = _to_dataset(samples[:left]), _to_dataset(samples[-right:])
    if batch_size is not None:
        left_ds, right_ds = left_ds.batch(batch_size), right_ds.batch(batch_size)
    return left_ds, right_ds
