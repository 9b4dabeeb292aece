"""``keras.preprocessing.text`` (Keras 2): ``Tokenizer``, ``text_to_word_sequence``,
``one_hot`` and ``hashing_trick``.

    tokenizer = Tokenizer(num_words=100, oov_token="<OOV>")
    tokenizer.fit_on_texts(sentences)
    sequences = tokenizer.texts_to_sequences(sentences)

Word indices start at 1 (0 is left for padding), by descending count; ties keep the order
of first appearance. With ``oov_token`` it takes index 1. ``num_words`` keeps only words of
index < num_words when converting (``word_index`` itself holds every word), as in Keras.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict, defaultdict

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """Splits a text into words: lowercased (``lower``), every character of ``filters``
    replaced by ``split``, then split on ``split`` dropping empty pieces."""
    if not isinstance(input_text, str):
        raise TypeError("text_to_word_sequence expects a string; received "
                        f"{type(input_text).__name__}.")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word of ``text`` as an index in [1, n): ``hash(word) % (n - 1) + 1``.

    ``hash_function``: None uses a deterministic hash (MD5, as 'md5' does; Python's own
    ``hash`` differs between runs, so Ember never uses it by default), 'md5', or any
    callable from a string to an int.
    """
    if hash_function is None or hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    elif not callable(hash_function):
        raise ValueError("hashing_trick: `hash_function` should be None, 'md5' or a callable. "
                         f"Received: {hash_function!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"hashing_trick: `n` should be an int >= 2. Received: n={n!r}")
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [(hash_function(w) % (n - 1) + 1) for w in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """Keras 2's ``one_hot``: despite its name, each word as an integer index in [1, n)
    (``hashing_trick`` with a deterministic hash)."""
    return hashing_trick(input_text, n, hash_function="md5", filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


_MATRIX_MODES = ("binary", "count", "tfidf", "freq")


class Tokenizer:
    """Turns texts into sequences of word indices or into document-term matrices.

    Args:
        num_words: keep the ``num_words - 1`` most frequent words when converting.
        filters: characters removed from the texts.
        lower: lowercase the texts. split: the word separator.
        char_level: every character is a token.
        oov_token: replaces out-of-vocabulary words (index 1) in ``texts_to_sequences``.
        analyzer: a callable from a text to its tokens, instead of the rules above.
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        if num_words is not None and (isinstance(num_words, bool) or not isinstance(
                num_words, int) or num_words < 1):
            raise ValueError(f"Tokenizer: `num_words` should be a positive int or None. "
                             f"Received: num_words={num_words!r}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words, self.document_count = num_words, document_count
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if not isinstance(text, str):
            raise TypeError("Tokenizer expects texts as strings (or lists of tokens); "
                            f"received {type(text).__name__}: {text!r}")
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    @staticmethod
    def _check_texts(texts, what):
        if isinstance(texts, str):
            raise TypeError(f"Tokenizer.{what} expects a list of texts, not one string: wrap "
                            "it in a list, e.g. [text].")
        return texts

    def fit_on_texts(self, texts):
        """Builds the vocabulary (``word_index``, ``index_word``, ``word_counts``,
        ``word_docs``) from a list of texts."""
        for text in self._check_texts(texts, "fit_on_texts"):
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        # Count descending; Python's sort is stable, so ties keep first-appearance order.
        ranked = [w for w, _ in sorted(self.word_counts.items(), key=lambda kv: -kv[1])]
        vocab = ([self.oov_token] if self.oov_token is not None else []) + ranked
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Counts documents per index from integer sequences (for ``sequences_to_matrix``
        with 'tfidf')."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices (unknown or rare words dropped, or mapped to
        the ``oov_token``'s index)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in self._check_texts(texts, "texts_to_sequences"):
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and (not self.num_words or i < self.num_words):
                    vect.append(i)
                elif oov is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        """Each sequence of indices back to a text (words joined by spaces)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for seq in sequences:
            words = []
            for i in np.asarray(seq).ravel().tolist():
                w = self.index_word.get(i)
                if w is not None and (not self.num_words or i < self.num_words):
                    words.append(w)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """A (texts, num_words) matrix: 'binary', 'count', 'freq' or 'tfidf' per word."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        if mode not in _MATRIX_MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}; expected one of "
                             f"{list(_MATRIX_MODES)}.")
        if not self.num_words:
            if not self.word_index:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                                 "text data first.")
            num_words = len(self.word_index) + 1
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = tf * idf
        return x

    def get_config(self):
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string (``tokenizer_from_json`` reads it back)."""
        return json.dumps({"class_name": self.__class__.__name__,
                           "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from the JSON of ``Tokenizer.to_json()``."""
    try:
        data = json.loads(json_string)
        config = dict(data["config"])
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"tokenizer_from_json: not the JSON of Tokenizer.to_json() ({e}).") \
            from e
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index, tokenizer.index_word = word_index, index_word
    return tokenizer
