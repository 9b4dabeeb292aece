"""``tf.keras.preprocessing.text``: the legacy ``Tokenizer`` that NLP course code builds its
vocabulary with, and ``text_to_word_sequence`` / ``one_hot`` / ``hashing_trick``.

    tokenizer = Tokenizer(num_words=100, oov_token="<OOV>")
    tokenizer.fit_on_texts(sentences)
    sequences = tokenizer.texts_to_sequences(sentences)

Indices start at 1 (0 is left for padding), the OOV token (if any) takes 1, then words by
descending count, ties in order of first appearance, as Keras's legacy Tokenizer orders
them. ``num_words`` keeps only indices below it when converting, not when fitting.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """The words of ``input_text``: lower-cased, each character of ``filters`` made a
    separator, split on ``split``, empty pieces dropped."""
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word hashed to an index in [1, n): ``hash_function`` is Python's ``hash`` by
    default (salted per process unless PYTHONHASHSEED is set) or ``'md5'`` (stable)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash`` (Keras's legacy name)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Builds a word index from texts and turns texts into index sequences or matrices.

    Args:
        num_words: keep only the ``num_words - 1`` most frequent words when converting
            (None keeps all).
        filters: characters removed from the texts (punctuation, tab, newline by default).
        lower: lower-case the texts. split: the word separator.
        char_level: every character is a token.
        oov_token: the token (index 1) that stands for words outside the index; without it
            such words are dropped.
        analyzer: a function from a text to its tokens, replacing the filters/split rule.
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        document_count = kwargs.pop("document_count", 0)
        if "nb_words" in kwargs:  # Keras 1's name
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        if num_words is not None and (not isinstance(num_words, (int, np.integer))
                                      or num_words < 1):
            raise ValueError(f"`num_words` must be a positive integer or None. Received: "
                             f"num_words={num_words!r}")
        self.num_words = None if num_words is None else int(num_words)
        self.filters, self.lower, self.split = filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.document_count = document_count
        self.word_counts: dict = {}
        self.word_docs: dict = defaultdict(int)
        self.index_docs: dict = defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}

    def _tokens(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if isinstance(text, bytes):
            text = text.decode()
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Counts the words of ``texts`` (strings, or lists of tokens) and rebuilds
        ``word_index``."""
        if isinstance(texts, str):
            raise TypeError("fit_on_texts() expects a list of texts, not one string.")
        for text in texts:
            tokens = self._tokens(text)
            self.document_count += 1
            for w in tokens:
                if w not in self.word_counts:
                    self.word_counts[w] = 0
                self.word_counts[w] += 1
            for w in set(tokens):
                self.word_docs[w] += 1
        # sorted() is stable: equal counts keep the order in which words first appeared.
        ranked = sorted(self.word_counts, key=self.word_counts.__getitem__, reverse=True)
        vocab = ([self.oov_token] if self.oov_token is not None else []) + ranked
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Counts documents per index (for ``tfidf`` matrices) from index sequences."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def _index(self, i, oov):
        """The index kept for ``i`` (None: dropped) under ``num_words``."""
        if i is None or (self.num_words and i >= self.num_words):
            return oov
        return i

    def texts_to_sequences(self, texts) -> list:
        """Each text as a list of word indices."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            seq = (self._index(self.word_index.get(w), oov) for w in self._tokens(text))
            yield [i for i in seq if i is not None]

    def sequences_to_texts(self, sequences) -> list:
        """Each index sequence back as a text (words joined by spaces)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for seq in sequences:
            kept = (self._index(int(i) if int(i) in self.index_word else None, oov)
                    for i in seq)
            yield " ".join(self.index_word[i] for i in kept if i is not None)

    def texts_to_matrix(self, texts, mode="binary") -> np.ndarray:
        """One row per text: ``mode`` 'binary', 'count', 'freq' or 'tfidf' per word index."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary") -> np.ndarray:
        if mode not in _MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}; expected one of {_MODES}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            counts = Counter(int(j) for j in seq if int(j) < width)
            for j, c in counts.items():
                if mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(seq)
                elif mode == "binary":
                    x[row, j] = 1
                else:
                    idf = math.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = (1 + math.log(c)) * idf
        return x

    def get_config(self) -> dict:
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs) -> str:
        """The tokenizer as JSON (Keras's layout); ``tokenizer_from_json`` reads it."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string) -> Tokenizer:
    """The Tokenizer that ``Tokenizer.to_json`` wrote."""
    config = dict(json.loads(json_string)["config"])
    tables = {k: json.loads(config.pop(k)) for k in
              ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = tables["word_counts"]
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
