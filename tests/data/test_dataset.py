"""tf.data.Dataset: sources, transformations and their TF semantics (order, counts, shapes).

The number-for-number comparisons with real TensorFlow are in test_dataset_tensorflow.py.
"""

import numpy as np
import pytest

import ember as tf
from ember.data import index_plan

Dataset = tf.data.Dataset


def _plain(v):
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v.tolist() if isinstance(v, np.ndarray) else v


def values(ds):
    return [_plain(v) for v in ds.as_numpy_iterator()]


# -- the expert quickstart's data part ----------------------------------------------------

def test_quickstart_data_part_on_a_fashion_mnist_subset():
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    x_train, y_train = x_train[:1000] / 255.0, y_train[:1000]
    x_test, y_test = x_test[:100] / 255.0, y_test[:100]
    x_train = x_train[..., tf.newaxis].astype("float32")
    x_test = x_test[..., tf.newaxis].astype("float32")

    train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)

    sizes, labels, first_pixels = [], [], []
    for images, batch_labels in train_ds:
        assert isinstance(images, tf.Tensor) and images.dtype == tf.float32
        assert images.shape[1:] == (28, 28, 1)
        sizes.append(images.shape[0])
        labels.extend(batch_labels.numpy().tolist())
        first_pixels.extend(images.numpy()[:, 14, 14, 0].tolist())
    assert sizes == [32] * 31 + [8]
    assert sorted(labels) == sorted(y_train.tolist())
    assert labels != y_train.tolist()  # shuffled (the buffer covers the data)
    # every (image, label) pair stays together
    pairs = sorted(zip(first_pixels, labels))
    assert pairs == sorted(zip(x_train[:, 14, 14, 0].tolist(), y_train.tolist()))
    test_sizes = [int(images.shape[0]) for images, _ in test_ds]
    assert test_sizes == [32, 32, 32, 4]
    assert len(train_ds) == 32 and len(test_ds) == 4


# -- sources ------------------------------------------------------------------------------

def test_from_tensor_slices_structures():
    ds = Dataset.from_tensor_slices({"a": [1, 2, 3], "b": np.arange(6.0).reshape(3, 2)})
    spec = ds.element_spec
    assert spec["a"] == tf.TensorSpec((), tf.int32) and spec["b"] == tf.TensorSpec((2,),
                                                                                 tf.float64)
    first = next(iter(ds))
    assert isinstance(first, dict) and first["b"].numpy().tolist() == [0.0, 1.0]
    # a list is one tensor (TF's rule), a tuple a structure
    assert values(Dataset.from_tensor_slices([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    assert values(Dataset.from_tensor_slices(([1, 2], [3, 4]))) == [(1, 3), (2, 4)]
    assert values(Dataset.from_tensor_slices(["cat", "dog"])) == [b"cat", b"dog"]
    assert Dataset.from_tensor_slices(["cat"]).element_spec.dtype == tf.string
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert values(Dataset.from_tensor_slices(t)) == [[1.0, 2.0], [3.0, 4.0]]


def test_from_tensors_range_and_zip():
    assert values(Dataset.from_tensors([1, 2, 3])) == [[1, 2, 3]]
    assert values(Dataset.range(5)) == [0, 1, 2, 3, 4]
    assert values(Dataset.range(2, 10, 3)) == [2, 5, 8]
    assert Dataset.range(3).element_spec == tf.TensorSpec((), tf.int64)
    z = Dataset.zip(Dataset.range(3), Dataset.range(10, 20))
    assert values(z) == [(0, 10), (1, 11), (2, 12)] and len(z) == 3
    zd = Dataset.zip({"x": Dataset.range(2), "y": Dataset.range(5)})
    assert values(zd) == [{"x": 0, "y": 0}, {"x": 1, "y": 1}]


def test_from_generator_with_signature_and_types():
    def gen():
        for i in range(1, 4):
            yield np.arange(i, dtype=np.float64), i

    sig = (tf.TensorSpec(shape=(None,), dtype=tf.float32), tf.TensorSpec((), tf.int32))
    ds = Dataset.from_generator(gen, output_signature=sig)
    got = list(ds)
    assert [x.numpy().tolist() for x, _ in got] == [[0.0], [0.0, 1.0], [0.0, 1.0, 2.0]]
    assert got[0][0].dtype == tf.float32 and got[0][1].dtype == tf.int32
    assert ds.element_spec == sig and int(ds.cardinality()) == -2
    # called afresh on every pass
    assert len(list(ds)) == 3
    old = Dataset.from_generator(gen, output_types=(tf.float32, tf.int32),
                                 output_shapes=((None,), ()))
    assert old.element_spec == sig
    with_args = Dataset.from_generator(lambda n: iter(range(int(n))), args=(3,),
                                       output_signature=tf.TensorSpec((), tf.int64))
    assert values(with_args) == [0, 1, 2]


def test_text_line_dataset_and_list_files(tmp_path):
    (tmp_path / "a.txt").write_text("first\nsecond\r\n\nlast")
    (tmp_path / "b.txt").write_text("only line\n")
    ds = tf.data.TextLineDataset([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert values(ds) == [b"first", b"second", b"", b"last", b"only line"]
    assert ds.element_spec == tf.TensorSpec((), tf.string)
    files = Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert values(files) == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
    shuffled = Dataset.list_files(str(tmp_path / "*.txt"), seed=3)
    assert sorted(values(shuffled)) == values(files)
    lines = files.interleave(tf.data.TextLineDataset, cycle_length=1)
    assert values(lines) == values(ds)


# -- batching ------------------------------------------------------------------------------

def test_batch_sizes_with_and_without_drop_remainder():
    ds = Dataset.range(10)
    assert [len(b) for b in values(ds.batch(4))] == [4, 4, 2]
    assert values(ds.batch(4, drop_remainder=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert ds.batch(4).element_spec.shape == (None,)
    assert ds.batch(4, drop_remainder=True).element_spec.shape == (4,)
    assert len(ds.batch(4)) == 3 and len(ds.batch(4, drop_remainder=True)) == 2
    # the generic path (a generator, not in-memory rows) gives the same batches
    gen = Dataset.from_generator(lambda: iter(range(10)), output_signature=tf.TensorSpec(
        (), tf.int64))
    assert values(gen.batch(4)) == values(ds.batch(4))
    assert values(gen.batch(4, drop_remainder=True)) == values(ds.batch(4, True))


def test_batching_slices_is_one_gather_per_batch(monkeypatch):
    def no_single_elements(self, order):
        raise AssertionError("batch() read single elements")

    monkeypatch.setattr(index_plan.IndexPlan, "elements", no_single_elements)
    gathers = []
    original = index_plan.IndexPlan.gather

    def counting(self, rows):
        gathers.append(rows)
        return original(self, rows)

    monkeypatch.setattr(index_plan.IndexPlan, "gather", counting)
    x = np.arange(1000 * 3, dtype=np.float32).reshape(1000, 3)
    y = np.arange(1000)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=1).batch(100)
    seen = []
    for xb, yb in ds:
        assert xb.shape == (100, 3)
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy() * 3)
        seen.extend(yb.numpy().tolist())
    assert len(gathers) == 10 and sorted(seen) == list(range(1000))


def test_zipped_slices_batch_by_gather_and_cache_replays_as_rows(monkeypatch):
    def no_single_elements(self, order):
        raise AssertionError("batch() read single elements")

    x = Dataset.from_tensor_slices(np.arange(10))
    y = Dataset.from_tensor_slices({"label": np.arange(8) * 2})
    mapped = Dataset.range(6).map(lambda v: v * 3).cache()
    assert values(mapped) == [0, 3, 6, 9, 12, 15]  # the first pass fills the cache
    monkeypatch.setattr(index_plan.IndexPlan, "elements", no_single_elements)
    zipped = Dataset.zip((x, y)).batch(3)
    assert values(zipped)[-1] == ([6, 7], {"label": [12, 14]}) and len(zipped) == 3
    assert sorted(v for b in values(mapped.shuffle(6, seed=2).batch(4)) for v in b) == \
        [0, 3, 6, 9, 12, 15]
    # zipping a shuffled dataset pairs element by element (still correct, not vectorised)
    monkeypatch.undo()
    pairs = values(Dataset.zip((x.shuffle(10, seed=1), x)).batch(10))[0]
    assert sorted(pairs[0]) == list(range(10)) and pairs[1] == list(range(10))


def test_padded_batch_shapes_and_values():
    ds = Dataset.from_tensor_slices([1, 2, 3, 4]).map(lambda n: tf.fill([n], n))
    got = values(ds.padded_batch(2))
    assert got == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    fixed = ds.padded_batch(3, padded_shapes=[5], padding_values=-1)
    assert fixed.element_spec.shape == (None, 5)
    assert values(fixed)[1] == [[4, 4, 4, 4, -1]]
    with pytest.raises(ValueError, match="larger than the padded shape"):
        list(ds.padded_batch(2, padded_shapes=[3]))
    pairs = Dataset.from_tensor_slices([1, 2, 3]).map(lambda n: (tf.fill([n], 1.0), n))
    (xb, nb), = values(pairs.padded_batch(3))
    assert np.asarray(xb).shape == (3, 3) and nb == [1, 2, 3]


def test_unbatch_rebatch_and_window():
    ds = Dataset.range(7).batch(3)
    assert values(ds.unbatch()) == list(range(7))
    assert values(ds.rebatch(2)) == [[0, 1], [2, 3], [4, 5], [6]]
    windows = Dataset.range(7).window(3, shift=2)
    assert [values(w) for w in windows] == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    series = Dataset.range(6).window(3, shift=1, drop_remainder=True).flat_map(
        lambda w: w.batch(3))
    assert values(series) == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    pairs = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10)).window(2)
    flat = pairs.flat_map(lambda a, b: Dataset.zip((a.batch(2), b.batch(2))))
    assert values(flat) == [([0, 1], [0, 10]), ([2, 3], [20, 30])]
    assert len(Dataset.range(10).window(3, shift=2, stride=2, drop_remainder=True)) == 3


# -- shuffle -------------------------------------------------------------------------------

def _sources():
    """The same 100 elements from in-memory rows (vectorised path) and a generator."""
    return (Dataset.range(100),
            Dataset.from_generator(lambda: iter(range(100)),
                                   output_signature=tf.TensorSpec((), tf.int64)))


def test_shuffle_buffer_semantics():
    for ds in _sources():
        out = values(ds.shuffle(5, seed=7))
        assert sorted(out) == list(range(100))
        # output k comes from the first k + buffer_size inputs
        assert all(v < k + 5 for k, v in enumerate(out))
        assert out != list(range(100))
        assert values(ds.shuffle(1, seed=7)) == list(range(100))  # a buffer of 1: no change
        full = values(ds.shuffle(100, seed=7))
        assert sorted(full) == list(range(100))
        assert max(k - full.index(k) for k in range(100)) > 5  # an early element left late


def test_shuffle_paths_agree_and_seeds_repeat():
    rows, gen = _sources()
    for size in (10, 100, 1000, -1):
        assert values(rows.shuffle(size, seed=3)) == values(gen.shuffle(size, seed=3))
        assert values(rows.shuffle(size, seed=3).batch(7)) == \
            values(gen.shuffle(size, seed=3).batch(7))
    again = rows.shuffle(10, seed=3)
    assert values(again) == values(rows.shuffle(10, seed=3))
    # a new order on every pass unless reshuffle_each_iteration=False
    assert values(again) != values(again)
    fixed = rows.shuffle(10, seed=3, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    tf.random.set_seed(5)
    a = values(rows.shuffle(50))
    tf.random.set_seed(5)
    assert values(rows.shuffle(50)) == a


def test_shuffle_then_repeat_reshuffles_each_epoch():
    ds = Dataset.range(10).shuffle(10, seed=1).repeat(2)
    out = values(ds)
    assert sorted(out[:10]) == sorted(out[10:]) == list(range(10)) and out[:10] != out[10:]
    assert values(ds.batch(20))[0] == out or len(values(ds.batch(20))[0]) == 20


# -- counting ------------------------------------------------------------------------------

def test_repeat_take_skip_counts_and_cardinality():
    ds = Dataset.range(5)
    assert values(ds.repeat(3).take(12)) == [0, 1, 2, 3, 4] * 2 + [0, 1]
    assert len(values(ds.repeat().take(23))) == 23
    assert values(ds.skip(3)) == [3, 4] and values(ds.take(-1)) == list(range(5))
    assert values(ds.skip(-1)) == [] and values(ds.take(0)) == []
    card = lambda d: int(d.cardinality())
    assert card(ds.repeat()) == tf.data.INFINITE_CARDINALITY == -1
    assert card(ds.filter(lambda x: x > 1)) == tf.data.UNKNOWN_CARDINALITY == -2
    assert card(ds.repeat(3)) == 15 and card(ds.repeat().take(7)) == 7
    assert card(ds.skip(7)) == 0 and card(ds.repeat().batch(2)) == -1
    assert int(tf.data.experimental.cardinality(ds.batch(2))) == 3
    assert card(ds.shard(2, 1)) == 2 and values(ds.shard(2, 1)) == [1, 3]
    assert values(Dataset.range(0).repeat()) == []
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())


def test_enumerate_concatenate_cache_prefetch():
    ds = Dataset.from_tensor_slices([10, 20])
    assert values(ds.enumerate(start=3)) == [(3, 10), (4, 20)]
    assert values(ds.concatenate(Dataset.from_tensor_slices([30]))) == [10, 20, 30]
    with pytest.raises(TypeError, match="different element"):
        ds.concatenate(Dataset.from_tensor_slices([1.5]))
    calls = []

    def count(x):
        calls.append(1)
        return x * 2

    cached = ds.map(count).cache().prefetch(tf.data.AUTOTUNE)
    assert values(cached) == [20, 40] and values(cached) == [20, 40]
    assert len(calls) == 2  # the second pass replays the cache
    # a cached map feeds shuffle + batch by index from the second pass on
    batched = cached.shuffle(2, seed=0).batch(2)
    assert sorted(values(batched)[0]) == [20, 40]


# -- map and friends -----------------------------------------------------------------------

def test_map_over_tuples_and_dicts_with_ember_ops():
    ds = Dataset.from_tensor_slices((np.arange(4.0, dtype=np.float32), np.arange(4)))
    doubled = ds.map(lambda x, y: (tf.square(x) + 1.0, tf.cast(y, tf.float32)))
    assert values(doubled) == [(1.0, 0.0), (2.0, 1.0), (5.0, 2.0), (10.0, 3.0)]
    as_dict = ds.map(lambda x, y: {"image": x, "label": y})
    assert isinstance(as_dict.element_spec, dict)
    assert values(as_dict.map(lambda d: d["image"] * 2.0)) == [0.0, 2.0, 4.0, 6.0]
    listed = ds.map(lambda x, y: [x, x])
    assert isinstance(listed.element_spec, tuple)  # a returned list gives a tuple
    assert isinstance(next(iter(ds.map(lambda x, y: x))), tf.Tensor)
    # the spec comes from running the fn: a length that varies is unknown, as TF traces it
    ragged = Dataset.from_tensor_slices([1, 2, 3]).map(lambda n: (tf.fill([n], n), n * 2))
    assert ragged.element_spec == (tf.TensorSpec((None,), tf.int32), tf.TensorSpec((), tf.int32))
    assert ragged.padded_batch(2).element_spec[0].shape == (None, None)


def test_map_after_batch_runs_once_per_batch():
    calls = []

    def scale(x, y):
        calls.append(x.shape[0])
        return x / 255.0, y

    x = np.full((10, 4), 255, np.uint8)
    ds = Dataset.from_tensor_slices((x, np.arange(10))).batch(4).map(scale)
    assert ds.element_spec[0].shape == (None, 4)
    calls.clear()
    out = list(ds)
    assert calls == [4, 4, 2] and out[0][0].numpy().max() == 1.0


def test_filter_flat_map_interleave_take_while_reduce():
    ds = Dataset.range(10)
    assert values(ds.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert values(ds.take(3).flat_map(lambda x: Dataset.from_tensors(x).repeat(2))) == \
        [0, 0, 1, 1, 2, 2]
    inter = Dataset.range(1, 6).interleave(
        lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert values(inter) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                             3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    assert values(ds.take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    assert int(ds.reduce(np.int64(0), lambda s, x: s + x)) == 45
    assert int(Dataset.from_tensors(7).get_single_element()) == 7
    with pytest.raises(ValueError, match="scalar boolean"):
        list(ds.filter(lambda x: tf.stack([x > 1, x > 2])))


def test_element_spec_and_tensor_spec():
    spec = tf.TensorSpec(shape=(None, 28), dtype=tf.float32)
    assert repr(spec) == "TensorSpec(shape=(None, 28), dtype=tf.float32, name=None)"
    assert spec.is_compatible_with(np.zeros((5, 28), np.float32))
    assert not spec.is_compatible_with(np.zeros((5, 27), np.float32))
    assert not spec.is_compatible_with(tf.TensorSpec((5, 28), tf.int32))
    assert tf.TensorSpec.from_tensor(tf.constant([1, 2])) == tf.TensorSpec((2,), tf.int32)
    ds = Dataset.from_tensor_slices((np.zeros((3, 2), np.float32), [1, 2, 3])).batch(2)
    assert repr(ds) == ("<_BatchDataset element_spec=(TensorSpec(shape=(None, 2), dtype="
                        "tf.float32, name=None), TensorSpec(shape=(None,), dtype=tf.int32, "
                        "name=None))>")


def test_options_and_apply():
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = \
        tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = False
    ds = Dataset.range(3).with_options(options)
    assert values(ds) == [0, 1, 2] and ds.options().deterministic is False
    with pytest.raises(AttributeError, match="no setting"):
        options.not_a_setting = 1
    assert values(Dataset.range(4).apply(lambda d: d.skip(2))) == [2, 3]


# -- bad input -----------------------------------------------------------------------------

def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"component 0 has 3 .*component 1 has 2"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(2)))
    with pytest.raises(ValueError, match="batch_size.*received batch_size=0"):
        Dataset.range(3).batch(0)
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(5)
    with pytest.raises(ValueError, match="different shapes in component 0"):
        list(Dataset.from_tensor_slices([1, 2]).map(lambda n: tf.fill([n], 1)).batch(2))

    def wrong():
        yield (np.zeros(2, np.float32), 1)
        yield (np.zeros(2, np.float32), 1, 2)

    sig = (tf.TensorSpec((2,), tf.float32), tf.TensorSpec((), tf.int32))
    with pytest.raises(TypeError, match=r"element 1 .*expected a tuple of 2 values.*"
                                        r"received a tuple of 3 values"):
        list(Dataset.from_generator(wrong, output_signature=sig))

    def wrong_shape():
        yield (np.zeros(3, np.float32), 1)

    with pytest.raises(ValueError, match=r"element 0 .*shape \(3,\).*expects \(2,\)"):
        list(Dataset.from_generator(wrong_shape, output_signature=sig))
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(wrong)
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        list(tf.data.TextLineDataset("/nonexistent/nope.txt"))
    with pytest.raises(FileNotFoundError, match="no files matched"):
        Dataset.list_files("/nonexistent/*.png")


def test_sampling_choosing_unique_and_assert_cardinality(tmp_path):
    a, b = Dataset.range(0, 5), Dataset.range(100, 105)
    mixed = values(Dataset.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=1))
    assert sorted(mixed) == list(range(5)) + list(range(100, 105))
    assert [v for v in mixed if v < 100] == list(range(5))  # each input keeps its order
    only_b = values(Dataset.sample_from_datasets([a, b], weights=[0.0, 1.0], seed=1))
    assert only_b == list(range(100, 105))
    choice = Dataset.from_tensor_slices(np.array([0, 1, 1, 0], np.int64))
    assert values(Dataset.choose_from_datasets([a, b], choice)) == [0, 100, 101, 1]
    assert values(Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()) == [1, 2, 3]
    declared = Dataset.range(6).filter(lambda x: x < 4).apply(
        tf.data.experimental.assert_cardinality(4))
    assert len(declared) == 4 and values(declared) == [0, 1, 2, 3]
    wrong = Dataset.range(6).filter(lambda x: x < 4).apply(
        tf.data.experimental.assert_cardinality(5))
    with pytest.raises(ValueError, match="expected to contain 5 elements but contained only 4"):
        list(wrong)
    import gzip
    with gzip.open(tmp_path / "t.txt.gz", "wb") as f:
        f.write(b"a\nb\n")
    gz = tf.data.TextLineDataset(str(tmp_path / "t.txt.gz"), compression_type="GZIP")
    assert values(gz) == [b"a", b"b"]
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TextLineDataset("x", compression_type="BZ2")
