"""tf.data pipelines built the same way in real TensorFlow and in Ember give the same elements,
counts and element_specs, number for number.

Not in the default run (``pytest -m tensorflow tests/data``); skipped without tensorflow.
Shuffles are compared by their semantics only (TF's random draws are its own).
"""

import numpy as np
import pytest

import ember

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def real_tf():
    return pytest.importorskip("tensorflow")


def _plain(v):
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return (v.dtype.str if v.dtype.kind != "O" else "bytes", v.tolist())
    if isinstance(v, np.generic):
        return (np.asarray(v).dtype.str, v.item())
    return v


def _elements(ds):
    return [_plain(v) for v in ds.as_numpy_iterator()]


X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10) % 3

PIPELINES = {
    "slices_batch": lambda tf: tf.data.Dataset.from_tensor_slices((X, Y)).batch(4),
    "slices_batch_drop": lambda tf: tf.data.Dataset.from_tensor_slices((X, Y)).batch(
        4, drop_remainder=True),
    "dict_map": lambda tf: tf.data.Dataset.from_tensor_slices({"x": X, "y": Y}).map(
        lambda d: {"x": d["x"] * 2.0, "y": d["y"] + 1}),
    "tuple_map_unpacked": lambda tf: tf.data.Dataset.from_tensor_slices((X, Y)).map(
        lambda x, y: (tf.reduce_sum(x), y)).batch(3),
    "map_after_batch": lambda tf: tf.data.Dataset.from_tensor_slices((X, Y)).batch(3).map(
        lambda x, y: (x / 10.0, tf.cast(y, tf.float32))),
    "repeat_take": lambda tf: tf.data.Dataset.range(4).repeat(3).take(10),
    "repeat_batch": lambda tf: tf.data.Dataset.range(5).repeat(2).batch(3),
    "skip_take": lambda tf: tf.data.Dataset.range(10).skip(3).take(4),
    "filter": lambda tf: tf.data.Dataset.range(20).filter(lambda x: x % 4 == 1),
    "padded": lambda tf: tf.data.Dataset.range(1, 6).map(
        lambda n: tf.fill([n], n)).padded_batch(2),
    "padded_shapes": lambda tf: tf.data.Dataset.range(1, 4).map(
        lambda n: (tf.fill([n], 1.5), n)).padded_batch(2, padded_shapes=([4], []),
                                                       padding_values=(-1.0, np.int64(0))),
    "unbatch": lambda tf: tf.data.Dataset.range(7).batch(3).unbatch(),
    "window": lambda tf: tf.data.Dataset.range(8).window(3, shift=2, drop_remainder=True)
    .flat_map(lambda w: w.batch(3)),
    "enumerate_zip": lambda tf: tf.data.Dataset.zip(
        (tf.data.Dataset.range(3), tf.data.Dataset.from_tensor_slices(["a", "b", "c"])))
    .enumerate(start=2),
    "concatenate": lambda tf: tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(7, 9)),
    "interleave": lambda tf: tf.data.Dataset.range(1, 4).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2),
    "generator": lambda tf: tf.data.Dataset.from_generator(
        lambda: ((np.arange(i, dtype=np.float64), i) for i in range(1, 4)),
        output_signature=(tf.TensorSpec((None,), tf.float32), tf.TensorSpec((), tf.int32)))
    .padded_batch(2),
    "shard": lambda tf: tf.data.Dataset.range(11).shard(3, 1),
    "strings": lambda tf: tf.data.Dataset.from_tensor_slices(["x", "yy"]).batch(2),
    "from_tensors": lambda tf: tf.data.Dataset.from_tensors((X[0], 5)).repeat(2),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_matches_tensorflow(real_tf, name):
    theirs = PIPELINES[name](real_tf)
    ours = PIPELINES[name](ember)
    assert _elements(ours) == _elements(theirs)
    assert int(ours.cardinality()) == int(theirs.cardinality())
    assert repr(ours.element_spec) == repr(theirs.element_spec)


CARDINALITIES = {
    "filter": lambda tf: tf.data.Dataset.range(10).filter(lambda x: x > 2),
    "repeat_inf": lambda tf: tf.data.Dataset.range(10).repeat(),
    "repeat_inf_take": lambda tf: tf.data.Dataset.range(10).repeat().take(5),
    "skip_past_end": lambda tf: tf.data.Dataset.range(10).skip(20),
    "window": lambda tf: tf.data.Dataset.range(10).window(3, shift=2),
    "window_drop_stride": lambda tf: tf.data.Dataset.range(10).window(
        3, shift=2, stride=2, drop_remainder=True),
    "unbatch_known": lambda tf: tf.data.Dataset.range(10).batch(3, drop_remainder=True)
    .unbatch(),
    "zip": lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(4),
                                           tf.data.Dataset.range(9).repeat())),
    "concat_inf": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(2).repeat()),
    "empty_repeat": lambda tf: tf.data.Dataset.range(0).repeat(),
    "unknown_repeat": lambda tf: tf.data.Dataset.range(5).filter(lambda x: x > 1).repeat(),
    "unknown_take": lambda tf: tf.data.Dataset.range(5).filter(lambda x: x > 1).take(2),
    "unknown_repeat_n": lambda tf: tf.data.Dataset.range(5).filter(lambda x: x > 1).repeat(3),
    "shard": lambda tf: tf.data.Dataset.range(10).shard(4, 3),
    "zip_inf": lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(3).repeat(),
                                               tf.data.Dataset.range(2).repeat())),
    "enumerate_batch": lambda tf: tf.data.Dataset.range(7).enumerate().batch(2),
}


@pytest.mark.parametrize("name", sorted(CARDINALITIES))
def test_cardinality_matches_tensorflow(real_tf, name):
    assert int(CARDINALITIES[name](ember).cardinality()) == \
        int(CARDINALITIES[name](real_tf).cardinality())


def test_text_lines_match_tensorflow(real_tf, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"one\ntwo\r\n\nthree")
    ours = _elements(ember.data.TextLineDataset(str(path)))
    assert ours == _elements(real_tf.data.TextLineDataset(str(path)))


@pytest.mark.parametrize("buffer_size", [1, 4, 50])
def test_shuffle_semantics_match_tensorflow(real_tf, buffer_size):
    """Same multiset, the same reach of the buffer (output k from the first k + buffer inputs),
    and both move elements around once the buffer is larger than one."""
    for tf in (real_tf, ember):
        ds = tf.data.Dataset.range(50).shuffle(buffer_size, seed=11)
        out = [int(v) for v in ds.as_numpy_iterator()]
        assert sorted(out) == list(range(50))
        assert all(v < k + buffer_size for k, v in enumerate(out))
        assert (out == list(range(50))) == (buffer_size == 1)
        assert int(ds.cardinality()) == 50
        batched = [len(b) for b in ds.batch(16).as_numpy_iterator()]
        assert batched == [16, 16, 16, 2]
