"""tf.keras.preprocessing: the Keras 2 names TF 2.21 still carries. The Tokenizer's numbers
below are what TF 2.21 / Keras 3.15's legacy Tokenizer gives for the same calls."""

import numpy as np
import pytest

import ember as tf

SENTENCES = ["I love my dog", "I love my cat", "You love my dog!",
             "Do you think my dog is amazing?"]


def test_tokenizer_as_the_nlp_course_uses_it():
    from ember.keras.preprocessing.sequence import pad_sequences
    from ember.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=6, oov_token="<OOV>")
    tokenizer.fit_on_texts(SENTENCES)
    assert tokenizer.word_index == {'<OOV>': 1, 'my': 2, 'love': 3, 'dog': 4, 'i': 5, 'you': 6,
                                    'cat': 7, 'do': 8, 'think': 9, 'is': 10, 'amazing': 11}
    seqs = tokenizer.texts_to_sequences(SENTENCES + ["i really love my manatee"])
    assert seqs == [[5, 3, 2, 4], [5, 3, 2, 1], [1, 3, 2, 4], [1, 1, 1, 2, 4, 1, 1],
                    [5, 1, 3, 2, 1]]
    assert tokenizer.sequences_to_texts([[1, 2, 3, 9, 5]]) == ['<OOV> my love <OOV> i']
    padded = pad_sequences(seqs[:4], maxlen=5, padding='post', truncating='post')
    assert padded.tolist() == [[5, 3, 2, 4, 0], [5, 3, 2, 1, 0], [1, 3, 2, 4, 0],
                               [1, 1, 1, 2, 4]]
    np.testing.assert_allclose(tokenizer.texts_to_matrix(SENTENCES[:2], mode="tfidf"),
                               [[0, 0, 0.5878, 0.6931, 0.6931, 0.8473],
                                [0, 1.6094, 0.5878, 0.6931, 0, 0.8473]], atol=1e-4)
    assert tokenizer.texts_to_matrix(SENTENCES[:1], mode="freq").tolist() == [
        [0, 0, 0.25, 0.25, 0.25, 0.25]]
    again = tf.keras.preprocessing.text.tokenizer_from_json(tokenizer.to_json())
    assert again.texts_to_sequences(SENTENCES) == tokenizer.texts_to_sequences(SENTENCES)


def test_tokenizer_char_level_and_helpers():
    text = tf.keras.preprocessing.text
    t = text.Tokenizer(char_level=True)
    t.fit_on_texts(["hello world"])
    assert t.word_index == {'l': 1, 'o': 2, 'h': 3, 'e': 4, ' ': 5, 'w': 6, 'r': 7, 'd': 8}
    assert text.text_to_word_sequence("Hello, World! It's me.") == ['hello', 'world', "it's",
                                                                    'me']
    assert text.hashing_trick("a b c", 10, 'md5') == [2, 5, 8]
    with pytest.raises(ValueError, match="mode"):
        t.texts_to_matrix(["x"], mode="dense")


def test_keras2_loader_names():
    prep = tf.keras.preprocessing
    assert prep.image_dataset_from_directory is tf.keras.utils.image_dataset_from_directory
    assert prep.text_dataset_from_directory is tf.keras.utils.text_dataset_from_directory
    assert prep.timeseries_dataset_from_array is tf.keras.utils.timeseries_dataset_from_array
    assert prep.image.img_to_array is tf.keras.utils.img_to_array
    assert prep.image.ImageDataGenerator is not None
