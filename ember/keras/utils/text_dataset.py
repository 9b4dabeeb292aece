"""``keras.utils.text_dataset_from_directory``: a folder of class subfolders of ``.txt``
files as a ``tf.data.Dataset`` of ``(texts, labels)`` batches (texts are string tensors)."""

from __future__ import annotations

import numpy as np

from ember.keras.utils import dataset_utils


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None,
                                shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """A dataset of the ``.txt`` files under ``directory/<class>/``.

    Args:
        labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
            subset, follow_links: as in ``image_dataset_from_directory``.
        max_length: keep at most this many bytes of each text.

    Returns:
        A ``Dataset`` of ``(texts, labels)`` (texts only with ``labels=None``) with a
        ``class_names`` attribute; a pair of them for ``subset="both"``.
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of "
                             "the same size as the number of text files in the target "
                             "directory. If you wish to infer the labels from the subdirectory "
                             'names in the target directory, pass `labels="inferred"`. If you '
                             "wish to get a dataset that only contains text samples (no "
                             f"labels), pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
        raise ValueError(f"`max_length` must be a positive integer or None; received "
                         f"max_length={max_length!r}.")
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=(".txt",), class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0
    def read(path):
        with open(path, "rb") as f:
            text = f.read()
        return np.array(text if max_length is None else text[:max_length], dtype=object)

    def build(part, part_labels, shuffled, what):
        if not part:
            raise ValueError(f"No {what}text files found in directory {directory}. Allowed "
                             "format: .txt" + (" (with labels='inferred', in one subfolder per "
                                               "class)" if labels is not None else ""))
        return dataset_utils.files_dataset(
            part, part_labels, label_mode, num_classes, read=read, batch_size=batch_size,
            shuffle=shuffled, seed=seed, class_names=class_names)

    return dataset_utils.directory_subsets(paths, labels, validation_split, subset, shuffle,
                                           build)
