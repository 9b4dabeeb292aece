"""TextVectorization, StringLookup and IntegerLookup: Keras's documented examples, the values
real Keras 3 gives (recorded from TF 2.21 / Keras 3.15; re-checked live with -m tensorflow),
adapt on arrays, lists and iterables, and the errors."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.layers.text import IntegerLookup, StringLookup, TextVectorization

L = keras.layers


def _ids(x):
    return x.numpy().tolist()


def test_keras_docstring_example_adapt_then_predict_in_a_model():
    layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(iter([np.array(["foo", "bar", "baz"])]))  # a data set of one batch
    assert layer.get_vocabulary() == ["", "[UNK]", "foo", "baz", "bar"]
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), layer])
    # (Keras's example calls model.predict; Ember's predict still refuses string arrays.)
    out = model(tf.constant([["foo qux bar"], ["qux baz"]]))
    np.testing.assert_array_equal(out.numpy(), [[2, 1, 4, 0], [1, 3, 0, 0]])


def test_keras_docstring_example_with_a_vocabulary():
    layer = TextVectorization(output_sequence_length=6,
                              vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["earth", "wind", "and", "fire"]
    assert _ids(layer(["The earth and the WIND, fire"])) == [[1, 2, 4, 1, 3, 5]]
    assert layer.vocabulary_size() == 6


def test_default_standardize_split_and_ordering_by_count_then_token_descending():
    layer = TextVectorization()
    layer.adapt(["The cat sat.", "the DOG sat!", "a cat, a dog; a bird"])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "the", "sat", "dog", "cat", "bird"]
    out = layer(["the cat", "a bird flew"])
    assert out.dtype == tf.int64 and _ids(out) == [[3, 6, 0], [2, 7, 1]]
    assert _ids(layer("the cat")) == [3, 6]  # one text in, one row out


def test_max_tokens_keeps_the_most_frequent():
    layer = TextVectorization(max_tokens=4)
    layer.adapt(["b a c c b d", "c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "b"]


def test_ngrams_unigrams_then_bigrams():
    layer = TextVectorization(ngrams=2)
    layer.adapt(["a b c", "b c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "b c", "b", "a b", "a"]
    assert _ids(layer(["a b c"])) == [[6, 4, 2, 5, 3]]


@pytest.mark.parametrize("mode,expected", [
    ("multi_hot", [[1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0]]),
    ("count", [[1, 1, 2, 0, 0, 0], [0, 0, 0, 0, 1, 0]]),
    ("tf_idf", [[0.7824050188064575, 0.6931470036506653, 1.3862940073013306, 0, 0, 0],
                [0, 0, 0, 0, 0.9162909984588623, 0]]),
])
def test_multi_hot_count_and_tf_idf(mode, expected):
    layer = TextVectorization(output_mode=mode)
    layer.adapt(["a b b c", "b c d", "e a a"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c", "e", "d"]
    out = layer(["a a z b", "e"])
    assert out.dtype == (tf.float32 if mode == "tf_idf" else tf.int64)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_tf_idf_with_given_weights_gives_oov_their_mean():
    layer = TextVectorization(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 0.25])
    np.testing.assert_allclose(layer(["a a b q"]).numpy(), [[0.375, 1.0, 0.25]])


def test_pad_to_max_tokens():
    layer = TextVectorization(max_tokens=5, pad_to_max_tokens=True, output_mode="multi_hot")
    layer.adapt(["a b"])
    assert _ids(layer(["a"])) == [[0, 0, 1, 0, 0]]


def test_character_split_and_no_standardize():
    layer = TextVectorization(split="character", standardize=None)
    layer.adapt(["abcA", "ab"])
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "a", "c", "A"]
    assert _ids(layer(["ba", "Zé"])) == [[2, 3], [1, 1]]


def test_split_none_keeps_each_text_whole():
    layer = TextVectorization(split=None, standardize=None)
    layer.adapt(["x y", "x y", "z"])
    assert layer.get_vocabulary() == ["", "[UNK]", "x y", "z"]
    assert _ids(layer(["x y", "q"])) == [2, 1]
    assert _ids(layer(np.array([["x y"], ["z"]]))) == [[2], [3]]
    one_hot = TextVectorization(output_mode="one_hot", split=None)
    one_hot.adapt(["a", "b", "a"])
    assert _ids(one_hot(["a", "q"])) == [[0, 1, 0], [1, 0, 0]]


def test_callable_standardize_and_split():
    seen = []

    def upper(texts):  # gets the string tensor, as Keras passes a tf.Tensor
        seen.append(texts.dtype)
        return np.frompyfunc(bytes.upper, 1, 1)(texts.numpy())

    def split_on_dash(texts):
        return [t.split(b"-") for t in texts.numpy().tolist()]

    layer = TextVectorization(standardize=upper, split=split_on_dash)
    layer.adapt(["a-b-b", "c-a"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "A", "C"]
    assert _ids(layer(["b-a-x"])) == [[2, 3, 1]]
    assert seen[0] == tf.string


def test_adapt_accepts_arrays_lists_tensors_generators_and_steps():
    texts = ["red green", "green blue", "green"]
    expected = ["", "[UNK]", "green", "red", "blue"]
    for data in (texts, np.array(texts), tf.constant(texts), np.array(texts)[:, None],
                 (np.array(texts[i:i + 2]) for i in range(0, 3, 2)),
                 iter([tf.constant(texts[:2]), tf.constant(texts[2:])])):
        layer = TextVectorization()
        layer.adapt(data)
        assert layer.get_vocabulary() == expected
    layer = TextVectorization()
    layer.adapt(iter([["red red"], ["blue"]]), steps=1)
    assert layer.get_vocabulary() == ["", "[UNK]", "red"]


def test_adapt_on_an_ember_dataset_when_available():
    data = pytest.importorskip("ember.data")
    ds = data.Dataset.from_tensor_slices(["one two", "two", "three two one"]).batch(2)
    layer = TextVectorization()
    layer.adapt(ds)
    assert layer.get_vocabulary() == ["", "[UNK]", "two", "one", "three"]


def test_text_classification_tutorial_model_trains_end_to_end():
    """TensorFlow's text-classification tutorial, on a toy corpus: vectorize, then
    Embedding -> Dropout -> GlobalAveragePooling1D -> Dropout -> Dense(1) from logits."""
    good = ["good fun great", "great good film", "fun and good", "a great cast"]
    bad = ["bad awful", "awful boring bad", "boring film", "a bad cast"]
    texts = np.array((good + bad) * 6)
    labels = np.array(([1] * 4 + [0] * 4) * 6, np.float32)
    vectorize_layer = L.TextVectorization(max_tokens=30, output_mode="int",
                                          output_sequence_length=5)
    vectorize_layer.adapt(texts)
    ids = vectorize_layer(tf.expand_dims(tf.constant(texts), -1))
    assert ids.shape == (48, 5) and ids.dtype == tf.int64
    keras.utils.set_random_seed(0)
    model = keras.Sequential([L.Embedding(30, 16), L.Dropout(0.2),
                              L.GlobalAveragePooling1D(), L.Dropout(0.2), L.Dense(1)])
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(0.05))
    history = model.fit(ids.numpy(), labels, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    logits = model.predict(ids.numpy(), verbose=0).ravel()
    assert np.mean((logits > 0) == (labels > 0.5)) > 0.9
    export_model = keras.Sequential([vectorize_layer, model, L.Activation("sigmoid")])
    probs = export_model(tf.constant(["a great film", "awful and boring"])).numpy().ravel()
    assert probs[0] > 0.5 > probs[1]


def test_errors_before_adapt_and_bad_arguments():
    layer = TextVectorization(name="tv")
    with pytest.raises(RuntimeError, match="'tv' has no vocabulary yet.*adapt"):
        layer(["a b"])
    with pytest.raises(RuntimeError, match="no vocabulary yet"):
        TextVectorization(output_mode="multi_hot")(["a"])
    with pytest.raises(RuntimeError, match="StringLookup 'sl' has no vocabulary"):
        StringLookup(name="sl")(["a"])
    with pytest.raises(ValueError, match="output_mode"):
        TextVectorization(output_mode="bag")
    with pytest.raises(ValueError, match="split value 'comma'"):
        TextVectorization(split="comma")
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="max_tokens"):
        TextVectorization(max_tokens=1)
    with pytest.raises(ValueError, match="ragged"):
        TextVectorization(ragged=True)
    with pytest.raises(TypeError, match="expects strings"):
        TextVectorization(vocabulary=["a"])(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="rank must be 1"):
        TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="Cannot adapt"):
        TextVectorization(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(ValueError, match="repeated"):
        StringLookup(vocabulary=["a", "a"])


def test_model_built_before_adapt_works_after_adapt():
    layer = TextVectorization(output_sequence_length=3)
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), layer])
    layer.adapt(["x y z", "y"])
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "z", "x"]
    np.testing.assert_array_equal(model(tf.constant([["y x"]])).numpy(), [[2, 4, 0]])


def test_config_keys_are_keras_3():
    config = TextVectorization(max_tokens=10, ngrams=2).get_config()
    assert sorted(config) == sorted([
        "dtype", "encoding", "idf_weights", "max_tokens", "name", "ngrams", "output_mode",
        "output_sequence_length", "pad_to_max_tokens", "ragged", "sparse", "split",
        "standardize", "trainable", "vocabulary", "vocabulary_size"])
    again = TextVectorization.from_config({**config, "vocabulary": ["p", "q"]})
    assert again.get_vocabulary() == ["", "[UNK]", "p", "q"]
    sl = sorted(StringLookup().get_config())
    assert sl == sorted(["dtype", "encoding", "idf_weights", "invert", "mask_token",
                         "max_tokens", "name", "num_oov_indices", "oov_method", "oov_token",
                         "output_mode", "pad_to_max_tokens", "salt", "sparse", "trainable",
                         "vocabulary", "vocabulary_size"])


# -- StringLookup / IntegerLookup -----------------------------------------------------------

def test_string_lookup_adapt_mask_invert_and_encodings():
    layer = StringLookup()
    layer.adapt(["a", "b", "b", "c", "c", "c", "d"])
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "d", "a"]
    out = layer(["c", "zz", "a"])
    assert out.dtype == tf.int64 and _ids(out) == [1, 0, 4]
    masked = StringLookup(vocabulary=["a", "b", "c"], mask_token="[MASK]")
    assert masked.get_vocabulary() == ["[MASK]", "[UNK]", "a", "b", "c"]
    assert _ids(masked(["[MASK]", "a", "c"])) == [0, 2, 4]
    inverse = StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert _ids(inverse(np.array([[1, 2], [3, 0]]))) == [[b"a", b"b"], [b"c", b"[UNK]"]]
    assert inverse(np.array([1])).dtype == tf.string
    assert _ids(StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")(["a", "q"])) \
        == [[0, 1, 0, 0], [1, 0, 0, 0]]
    mh = StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot", mask_token="")
    assert mh.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert _ids(mh([["a", "", "c"]])) == [[0, 1, 0, 1]]
    strict = StringLookup(vocabulary=["a"], num_oov_indices=0)
    assert _ids(strict(["a"])) == [0]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"OOV values \['q'\]"):
        strict(["a", "q"])
    # Several OOV indices: unknown strings spread by FarmHash64, as Keras (values from Keras).
    hashed = StringLookup(vocabulary=["a", "b", "c"], mask_token="[MASK]", num_oov_indices=3)
    assert hashed.get_vocabulary() == ["[MASK]", "[UNK]", "[UNK]", "[UNK]", "a", "b", "c"]
    assert _ids(hashed(["[MASK]", "a", "c", "zz", "q", "hello", "world", "x"])) == \
        [0, 4, 6, 2, 3, 2, 2, 3]
    with pytest.raises(ValueError, match="salt"):
        StringLookup(num_oov_indices=2, salt=7)


def test_integer_lookup_adapt_oov_buckets_invert_and_count():
    layer = IntegerLookup()
    layer.adapt([12, 36, 1138, 42, 42, 36, 36])
    assert layer.get_vocabulary() == [-1, 36, 42, 1138, 12]
    assert _ids(layer([12, 1138, 99])) == [4, 3, 0]
    buckets = IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2, mask_token=0)
    assert buckets.get_vocabulary() == [0, -1, -1, 12, 36, 1138, 42]
    assert _ids(buckets(np.array([[0, 12, 99, 100, 7]]))) == [[0, 3, 2, 1, 2]]
    farm = IntegerLookup(vocabulary=[12, 36], num_oov_indices=3, oov_method="farmhash")
    assert _ids(farm(np.array([12, 7, 8, 99, 1000, -5]))) == [3, 1, 1, 0, 2, 0]
    inverse = IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    assert _ids(inverse(np.array([1, 2, 0, 5]))) == [12, 36, -1, -1]
    assert _ids(IntegerLookup(output_mode="count", vocabulary=[12, 36])(
        np.array([[12, 12, 36, 5]]))) == [[1, 2, 1]]
    with pytest.raises(TypeError, match="expects integers"):
        IntegerLookup(vocabulary=[1])(np.array([0.5]))


def test_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("alpha\nbeta\n", encoding="utf-8")
    layer = StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "alpha", "beta"]
    with pytest.raises(ValueError, match="does not exist"):
        StringLookup(vocabulary=str(tmp_path / "missing.txt"))


# -- against real Keras (run with -m tensorflow) -------------------------------------------

_TEXTS = ["The quick brown fox.", "the lazy dog!", "A quick, quick fox; a dog?", "Zebra z z",
          "brown  dog\tand\nfox", "émigré café", ""]
_CASES = [
    {},
    {"max_tokens": 6},
    {"ngrams": 2},
    {"ngrams": (1, 3)},
    {"split": "character", "max_tokens": 12},
    {"standardize": None},
    {"standardize": "lower"},
    {"standardize": "strip_punctuation"},
    {"output_sequence_length": 3},
    {"output_sequence_length": 8},
    {"output_mode": "multi_hot"},
    {"output_mode": "count", "max_tokens": 5},
    {"output_mode": "tf_idf"},
    {"output_mode": "tf_idf", "max_tokens": 6, "pad_to_max_tokens": True},
    {"split": None},
]


@pytest.mark.tensorflow
@pytest.mark.parametrize("kwargs", _CASES, ids=[str(c) for c in _CASES])
def test_text_vectorization_matches_keras(kwargs):
    rk = pytest.importorskip("keras")
    theirs = rk.layers.TextVectorization(**kwargs)
    theirs.adapt(_TEXTS)
    ours = TextVectorization(**kwargs)
    ours.adapt(_TEXTS)
    assert ours.get_vocabulary() == [str(t) for t in theirs.get_vocabulary()]
    probe = ["quick zebra fox fox", "an unknown dog", "A"]
    np.testing.assert_allclose(ours(probe).numpy(), np.asarray(theirs(probe)), rtol=1e-6)


def test_string_lookup_maps_ragged_characters_both_ways():
    # TF's text generation tutorial: unicode_split -> StringLookup -> invert -> reduce_join.
    chars = tf.strings.unicode_split(["abcdefg", "xyz"], input_encoding="UTF-8")
    ids_from_chars = StringLookup(vocabulary=list("abcdefg"), mask_token=None)
    ids = ids_from_chars(chars)
    assert ids.to_list() == [[1, 2, 3, 4, 5, 6, 7], [0, 0, 0]]
    chars_from_ids = StringLookup(vocabulary=ids_from_chars.get_vocabulary(), invert=True,
                                  mask_token=None)
    back = chars_from_ids(ids)
    joined = tf.strings.reduce_join(back, axis=-1).numpy().tolist()
    assert joined == [b"abcdefg", b"[UNK][UNK][UNK]"]
    assert ids.to_tensor().shape == (2, 7)
