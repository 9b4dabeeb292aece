"""keras.preprocessing.text: Tokenizer, text_to_word_sequence, one_hot, hashing_trick."""

import numpy as np
import pytest

import ember as tf

text = tf.keras.preprocessing.text
SENTENCES = ["I love my dog", "I love my cat", "You love my dog!",
             "Do you think my dog is amazing?"]


def test_tokenizer_as_in_the_nlp_course():
    tokenizer = text.Tokenizer(num_words=100, oov_token="<OOV>")
    tokenizer.fit_on_texts(SENTENCES)
    assert tokenizer.word_index == {"<OOV>": 1, "my": 2, "love": 3, "dog": 4, "i": 5,
                                    "you": 6, "cat": 7, "do": 8, "think": 9, "is": 10,
                                    "amazing": 11}
    seqs = tokenizer.texts_to_sequences(["i really love my dog", "my dog loves my manatee"])
    assert seqs == [[5, 1, 3, 2, 4], [2, 4, 1, 2, 1]]
    assert tokenizer.sequences_to_texts([[5, 3, 2, 4]]) == ["i love my dog"]
    assert tokenizer.word_counts["my"] == 4 and tokenizer.word_docs["dog"] == 3
    padded = tf.keras.preprocessing.sequence.pad_sequences(seqs, maxlen=6, padding="post")
    assert padded.shape == (2, 6) and padded[0, -1] == 0


def test_num_words_limits_conversion_not_the_index():
    tokenizer = text.Tokenizer(num_words=4, oov_token="<OOV>")
    tokenizer.fit_on_texts(SENTENCES)
    assert len(tokenizer.word_index) == 11
    assert tokenizer.texts_to_sequences(["i love my dog"]) == [[1, 3, 2, 1]]
    plain = text.Tokenizer(num_words=4)
    plain.fit_on_texts(SENTENCES)
    assert plain.texts_to_sequences(["i love my dog"]) == [[2, 1, 3]]  # "i" is index 4


def test_matrices_char_level_and_json_roundtrip():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(SENTENCES)
    counts = tokenizer.texts_to_matrix(["my dog my"], mode="count")
    assert counts.shape == (1, 11) and counts[0, 1] == 2 and counts[0, 3] == 1
    binary = tokenizer.texts_to_matrix(["my dog my"])
    assert binary[0, 1] == 1 and binary.sum() == 2
    assert tokenizer.texts_to_matrix(["my dog"], mode="freq")[0, 1] == 0.5
    tfidf = tokenizer.texts_to_matrix(["cat dog"], mode="tfidf")[0]
    assert tfidf[tokenizer.word_index["cat"]] > tfidf[tokenizer.word_index["dog"]] > 0
    clone = text.tokenizer_from_json(tokenizer.to_json())
    assert clone.word_index == tokenizer.word_index
    assert clone.texts_to_sequences(SENTENCES) == tokenizer.texts_to_sequences(SENTENCES)
    chars = text.Tokenizer(char_level=True)
    chars.fit_on_texts(["abba"])
    assert chars.word_index == {"a": 1, "b": 2}
    with pytest.raises(TypeError, match="list of texts"):
        tokenizer.fit_on_texts("one string")
    with pytest.raises(ValueError, match="not the JSON"):
        text.tokenizer_from_json("{}")


def test_word_sequence_and_hashing():
    assert text.text_to_word_sequence("Hello, World!  Again") == ["hello", "world", "again"]
    assert text.text_to_word_sequence("a-b", filters="", lower=False) == ["a-b"]
    ids = text.one_hot("the cat sat on the mat", 50)
    assert len(ids) == 6 and ids[0] == ids[4] and all(1 <= i < 50 for i in ids)
    assert text.one_hot("the cat", 50) == ids[:2]  # deterministic across calls
    assert text.hashing_trick("a b", 10, hash_function=lambda w: ord(w)) == [
        ord("a") % 9 + 1, ord("b") % 9 + 1]
    np.testing.assert_array_equal(np.asarray(text.one_hot("x", 2)), [1])


def test_timeseries_generator_windows_and_fit():
    series = np.arange(20, dtype="float32")
    gen = tf.keras.preprocessing.sequence.TimeseriesGenerator(
        series, series, length=5, sampling_rate=2, batch_size=4)
    assert len(gen) == 4
    x, y = gen[0]
    np.testing.assert_array_equal(x[0], [0, 2, 4])
    np.testing.assert_array_equal(y, [5, 6, 7, 8])
    x_last, y_last = gen[3]
    assert y_last.tolist() == [17, 18, 19]
    reverse = tf.keras.preprocessing.sequence.TimeseriesGenerator(
        series, series, length=3, reverse=True, batch_size=2)
    np.testing.assert_array_equal(reverse[0][0][0], [2, 1, 0])
    model = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(gen, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="same length"):
        tf.keras.preprocessing.sequence.TimeseriesGenerator(series, series[:3], length=2)
    with pytest.raises(ValueError, match="no part of the sequence"):
        tf.keras.preprocessing.sequence.TimeseriesGenerator(series, series, length=25)
