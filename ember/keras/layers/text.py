"""Text preprocessing layers: TextVectorization, StringLookup and IntegerLookup.

    vectorize = TextVectorization(max_tokens=20000, output_sequence_length=200)
    vectorize.adapt(train_texts)          # learns the vocabulary
    ids = vectorize(["the movie was great"])   # (1, 200) int64 token ids

Vocabulary order is Keras's: the padding token '' (``int`` output only) and the OOV token
'[UNK]' first, then the learned tokens by descending count, ties broken by the token
itself, highest first (Keras sorts with ``np.lexsort((tokens, counts))[::-1]``).

Strings are tensors of Python bytes (``tf.string``). The string steps TextVectorization
needs (lower-casing, punctuation stripping, whitespace/character splitting, n-grams) are
private helpers at the top of this file, on NumPy object arrays: Ember's ``tf.strings``
is written separately, and these helpers must match TF's ops exactly (ASCII-only
lower-casing, ASCII whitespace) whatever it becomes.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import numpy as np

from ember import ops
from ember.errors import InvalidArgumentError
from ember.keras.layers.layer import Layer
from ember.keras.layers.symbolic import KerasTensor, is_symbolic
from ember.tensor import Tensor, as_array, convert_to_tensor

# ---------------------------------------------------------------------------------------
# Private string helpers (tf.strings' semantics on object arrays of bytes)
# ---------------------------------------------------------------------------------------

# Keras's DEFAULT_STRIP_REGEX; ',-\.' is the range ',' to '.', as in RE2.
_PUNCTUATION = re.compile(rb'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


def _to_bytes(s, encoding="utf-8") -> bytes:
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding)
    if isinstance(s, np.bytes_):
        return bytes(s)
    # Symbolic tracing feeds zeros; anything else that is not text is written out as text.
    return str(s).encode(encoding)


_bytes_of = np.frompyfunc(_to_bytes, 1, 1)
_lower = np.frompyfunc(bytes.lower, 1, 1)  # ASCII only, as tf.strings.lower(encoding='')
_strip = np.frompyfunc(lambda s: _PUNCTUATION.sub(b"", s), 1, 1)


def _string_array(x, where: str, placeholder: bool = False) -> np.ndarray:
    """Any text input (str, bytes, list, ndarray, string tensor) as an object array of bytes;
    with ``placeholder`` (symbolic tracing), numbers too, as empty strings."""
    if isinstance(x, Tensor):
        arr = as_array(x)
    elif isinstance(x, (str, bytes)):
        arr = np.array(x, dtype=object)
    else:
        arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if placeholder and arr.dtype.kind in "fiub":
        return np.full(arr.shape, b"", dtype=object)
    if arr.dtype.kind in "fc" or (arr.dtype.kind in "iub" and arr.size):
        raise TypeError(f"{where} expects strings; received an array of dtype {arr.dtype}. "
                        "Pass the raw text (a list or array of str or bytes).")
    return _map(_bytes_of, arr)


def _map(ufunc, arr: np.ndarray) -> np.ndarray:
    """A frompyfunc ufunc over an object array, keeping 0-d and empty arrays arrays."""
    if not arr.size:
        return arr.astype(object)
    return np.asarray(ufunc(arr), dtype=object)


def _split_whitespace(s: bytes) -> list:
    return s.split()  # ASCII whitespace runs, as tf.strings.split(s) with sep=None


def _split_characters(s: bytes) -> list:
    # tf.strings.unicode_split(s, 'UTF-8') replaces invalid bytes with U+FFFD.
    return [c.encode("utf-8") for c in s.decode("utf-8", errors="replace")]


def _ngrams(tokens: list, widths: tuple, separator: bytes = b" ") -> list:
    """All n-grams of each width, width by width, as tf.strings.ngrams (no padding)."""
    out = []
    for n in widths:
        out.extend(separator.join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def _rows_of(values) -> list:
    """A callable's output (tensor, array, list of lists) as a list of token lists."""
    if isinstance(values, Tensor):
        values = as_array(values)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    return [[_to_bytes(t) for t in (row.tolist() if isinstance(row, np.ndarray) else row)]
            for row in values]


# FarmHash64 (Geoff Pike's farmhashna::Hash64, MIT licence), written out in Python: Keras
# spreads out-of-vocabulary strings over several OOV indices with
# tf.strings.to_hash_bucket_fast, which is this fingerprint modulo the number of buckets.
# Checked against TF on 300+ strings of every length class.
_M64 = (1 << 64) - 1
_K0, _K1, _K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F


def _u64(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 8], "little")


def _u32(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 4], "little")


def _rot(v: int, r: int) -> int:
    return v if r == 0 else ((v >> r) | (v << (64 - r))) & _M64


def _mix(v: int) -> int:
    return v ^ (v >> 47)


def _len16(u: int, v: int, mul: int) -> int:
    a = _mix(((u ^ v) * mul) & _M64)
    b = _mix(((v ^ a) * mul) & _M64)
    return (b * mul) & _M64


def _weak32(s: bytes, i: int, a: int, b: int):
    w, x, y, z = _u64(s, i), _u64(s, i + 8), _u64(s, i + 16), _u64(s, i + 24)
    a = (a + w) & _M64
    b = _rot((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rot(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def _fingerprint64(s: bytes) -> int:
    """FarmHash's Fingerprint64 (farmhashna::Hash64), which tf.strings.to_hash_bucket_fast
    takes modulo the bucket count."""
    n = len(s)
    mul = (_K2 + 2 * n) & _M64
    if n <= 16:
        if n >= 8:
            a = (_u64(s, 0) + _K2) & _M64
            b = _u64(s, n - 8)
            c = (_rot(b, 37) * mul + a) & _M64
            d = ((_rot(a, 25) + b) * mul) & _M64
            return _len16(c, d, mul)
        if n >= 4:
            return _len16((n + (_u32(s, 0) << 3)) & _M64, _u32(s, n - 4), mul)
        if n:
            y = s[0] + (s[n >> 1] << 8)
            z = n + (s[n - 1] << 2)
            return (_mix(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
        return _K2
    if n <= 32:
        a = (_u64(s, 0) * _K1) & _M64
        b = _u64(s, 8)
        c = (_u64(s, n - 8) * mul) & _M64
        d = (_u64(s, n - 16) * _K2) & _M64
        return _len16((_rot((a + b) & _M64, 43) + _rot(c, 30) + d) & _M64,
                      (a + _rot((b + _K2) & _M64, 18) + c) & _M64, mul)
    if n <= 64:
        a = (_u64(s, 0) * _K2) & _M64
        b = _u64(s, 8)
        c = (_u64(s, n - 8) * mul) & _M64
        d = (_u64(s, n - 16) * _K2) & _M64
        y = (_rot((a + b) & _M64, 43) + _rot(c, 30) + d) & _M64
        z = _len16(y, (a + _rot((b + _K2) & _M64, 18) + c) & _M64, mul)
        e = (_u64(s, 16) * mul) & _M64
        f = _u64(s, 24)
        g = ((y + _u64(s, n - 32)) * mul) & _M64
        h = ((z + _u64(s, n - 24)) * mul) & _M64
        return _len16((_rot((e + f) & _M64, 43) + _rot(g, 30) + h) & _M64,
                      (e + _rot((f + a) & _M64, 18) + g) & _M64, mul)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M64
    z = (_mix((y * _K2 + 113) & _M64) * _K2) & _M64
    v = (0, 0)
    w = (0, 0)
    x = (x * _K2 + _u64(s, 0)) & _M64
    end = ((n - 1) // 64) * 64
    last = n - 64
    i = 0
    while True:
        x = (_rot((x + y + v[0] + _u64(s, i + 8)) & _M64, 37) * _K1) & _M64
        y = (_rot((y + v[1] + _u64(s, i + 48)) & _M64, 42) * _K1) & _M64
        x ^= w[1]
        y = (y + v[0] + _u64(s, i + 40)) & _M64
        z = (_rot((z + w[0]) & _M64, 33) * _K1) & _M64
        v = _weak32(s, i, (v[1] * _K1) & _M64, (x + w[0]) & _M64)
        w = _weak32(s, i + 32, (z + w[1]) & _M64, (y + _u64(s, i + 16)) & _M64)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = (_K1 + ((z & 0xFF) << 1)) & _M64
    i = last
    w = ((w[0] + ((n - 1) & 63)) & _M64, w[1])
    v = ((v[0] + w[0]) & _M64, v[1])
    w = ((w[0] + v[0]) & _M64, w[1])
    x = (_rot((x + y + v[0] + _u64(s, i + 8)) & _M64, 37) * mul) & _M64
    y = (_rot((y + v[1] + _u64(s, i + 48)) & _M64, 42) * mul) & _M64
    x ^= (w[1] * 9) & _M64
    y = (y + v[0] * 9 + _u64(s, i + 40)) & _M64
    z = (_rot((z + w[0]) & _M64, 33) * mul) & _M64
    v = _weak32(s, i, (v[1] * mul) & _M64, (x + w[0]) & _M64)
    w = _weak32(s, i + 32, (z + w[1]) & _M64, (y + _u64(s, i + 16)) & _M64)
    z, x = x, z
    return _len16((_len16(v[0], w[0], mul) + _mix(y) * _K0 + z) & _M64,
                  (_len16(v[1], w[1], mul) + x) & _M64, mul)


# ---------------------------------------------------------------------------------------
# The lookup table shared by StringLookup, IntegerLookup and TextVectorization
# ---------------------------------------------------------------------------------------

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _output_mode(mode, where):
    mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(mode, mode)
    if mode not in _OUTPUT_MODES:
        raise ValueError(f"Invalid value for argument `output_mode` of {where}. Expected one of "
                         f"{list(_OUTPUT_MODES)}. Received: output_mode={mode!r}")
    return mode


class _IndexLookup(Layer):
    """Maps tokens to indices (or back, with ``invert``) through a vocabulary that is given or
    learned by ``adapt``. Subclasses fix the token type."""

    _string_tokens = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 encoding="utf-8", vocabulary_dtype=None, vocabulary_size=None, **kwargs):
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)  # the token type is fixed by the class
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if not isinstance(num_oov_indices, int) or num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        self.output_mode = _output_mode(output_mode, where)
        if invert and self.output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported by Ember (it has no sparse "
                             "tensors); leave sparse=False for dense outputs.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("Invalid value for argument `oov_method`. Expected one of "
                             f"['floormod', 'farmhash']. Received: oov_method={oov_method!r}")
        if salt is not None:
            raise ValueError(f"{where}: a `salt` (Keras's SipHash buckets) is not supported by "
                             "Ember; leave salt=None for FarmHash buckets.")
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if self.output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.sparse = bool(invert), False
        self.pad_to_max_tokens, self.oov_method, self.salt = pad_to_max_tokens, oov_method, salt
        self.encoding = encoding
        self.input_vocabulary, self.input_idf_weights = vocabulary, idf_weights
        self._has_input_vocabulary = vocabulary is not None
        self._tokens: list | None = None  # the vocabulary without its special tokens
        self._index: dict = {}
        self._idf = None
        self._reset_counts()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # -- token conversion (overridden for integers) -------------------------------------
    def _key(self, token):
        return _to_bytes(token, self.encoding)

    def _tokens_array(self, x) -> np.ndarray:
        return _string_array(x, f"{type(self).__name__} '{self.name}'", self._tracing)

    def _public(self, token):
        return token.decode(self.encoding) if isinstance(token, bytes) else token

    # -- indices ------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices the layer emits: special tokens plus vocabulary."""
        return self._token_start_index() + len(self._tokens or ())

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary; with special tokens, a token's position is its index."""
        tokens = [self._public(t) for t in (self._tokens or ())]
        if not include_special_tokens:
            return tokens
        head = [self._public(self._key(self.oov_token))] * self.num_oov_indices
        if self._oov_start_index():
            head = [self._public(self._key(self.mask_token))] + head
        return head + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list, array, tensor, or a text file with one token per line)
        and, for ``output_mode='tf_idf'``, the inverse document frequencies."""
        where = f"{type(self).__name__} '{self.name}'"
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if isinstance(vocabulary, str) and os.path.isfile(vocabulary):
            with open(vocabulary, encoding=self.encoding) as f:
                vocabulary = [line.rstrip("\n") for line in f]
        elif isinstance(vocabulary, str):
            raise ValueError(f"{where}: vocabulary file {vocabulary!r} does not exist.")
        if isinstance(vocabulary, Tensor):
            vocabulary = as_array(vocabulary)
        vocab = [self._key(t) for t in np.asarray(vocabulary, dtype=object).ravel().tolist()]
        if not vocab:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary="
                             f"{vocabulary}")
        start = self._token_start_index()
        special = ([self._mask_key] if self._oov_start_index() else []) \
            + [self._key(self.oov_token)] * self.num_oov_indices
        if vocab[:start] == special:
            vocab = vocab[start:]
        repeated = [self._public(t) for t, c in Counter(vocab).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        for name, tok, check in (("mask_token", self.mask_token, True),
                                 ("oov_token", self.oov_token, self.invert)):
            if tok is not None and check and self._key(tok) in vocab:
                raise ValueError(
                    f"Found reserved {name.split('_')[0].upper()} token at unexpected location "
                    "in `vocabulary`. Note that passed `vocabulary` does not need to include "
                    "the OOV and mask tokens. Either remove all mask and OOV tokens, or "
                    "include them only at the start of the vocabulary in precisely this "
                    f"order: {[self._public(t) for t in special]}. Received: {name}={tok}")
        if self.max_tokens is not None and start + len(vocab) > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {start + len(vocab)}; `max_tokens` "
                             f"is {self.max_tokens}.")
        self._set_tokens(vocab)
        if self.output_mode == "tf_idf":
            idf = np.asarray(as_array(idf_weights) if isinstance(idf_weights, Tensor)
                             else idf_weights, dtype=np.float64).ravel()
            if len(idf) != len(vocab) and len(idf) != start + len(vocab):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(idf)}; len(vocabulary) is "
                                 f"{len(vocab)}")
            if len(idf) == len(vocab):
                # OOV (and mask) slots get the mean weight: their frequencies are unknown.
                idf = np.concatenate([np.full(start, idf.mean()), idf])
            self._idf = self._pad_idf(idf)

    def _pad_idf(self, idf):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.pad(idf, (0, self.max_tokens - len(idf)))
        return idf.astype(np.float32)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}

    # -- adapt ------------------------------------------------------------------------------
    def _reset_counts(self):
        self._counts: Counter = Counter()
        self._doc_counts: Counter = Counter()
        self._num_documents = 0

    def reset_state(self):
        self._reset_counts()

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from ``data``: an array, list or tensor of tokens, or any
        iterable of batches (a ``tf.data.Dataset``, a generator). ``steps`` limits the number
        of batches taken from an iterable."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        self.reset_state()
        seen = 0
        for batch in _batches(data, steps):
            self.update_state(batch)
            seen += 1
        if not seen:
            raise ValueError(f"Layer '{self.name}': adapt() received no data.")
        self.finalize_state()

    def update_state(self, data):
        """Counts the tokens of one batch (its rows are documents, for tf-idf)."""
        for row in self._document_rows(data):
            self._counts.update(row)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(row))
                self._num_documents += 1

    def _document_rows(self, data) -> list:
        arr = self._tokens_array(data)
        if arr.ndim <= 1:
            return [arr.ravel().tolist()]
        return [r.ravel().tolist() for r in arr.reshape(arr.shape[0], -1)]

    def finalize_state(self):
        if self._has_input_vocabulary:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(self._key(special), None)
        # Count descending, ties by token descending: np.lexsort((tokens, counts))[::-1].
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self._token_start_index(), 0)]
        self._set_tokens([t for t, _ in ranked])
        if self.output_mode == "tf_idf" and ranked:
            df = np.array([self._doc_counts[t] for t, _ in ranked], dtype=np.float64)
            idf = np.log1p(self._num_documents / (1.0 + df))
            idf = np.concatenate([np.full(self._token_start_index(), idf.mean()), idf])
            self._idf = self._pad_idf(idf)
        self._reset_counts()

    # -- calling ----------------------------------------------------------------------------
    def _convert_inputs(self, x):
        return x  # strings and integer ids stay as they are; call converts them

    def __call__(self, inputs, *args, **kwargs):
        from ember.ragged import RaggedTensor
        if isinstance(inputs, RaggedTensor) and (self.output_mode == "int" or self.invert):
            # The text generation tutorial looks up unicode_split's ragged characters: the
            # lookup maps the values and keeps the rows.
            out = self(inputs.values, *args, **kwargs)
            return RaggedTensor.from_row_lengths(out, inputs.row_lengths())
        if not is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        # Traced on placeholder zeros (whatever dtype the model's Input declared), maybe
        # before adapt (a model built first, adapted later): only the output shape counts.
        self._tracing = True
        try:
            return super().__call__(inputs, *args, **kwargs)
        finally:
            self._tracing = False

    _tracing = False

    @property
    def _tracing_without_vocabulary(self):
        return self._tracing and self._tokens is None


    def _check_ready(self):
        if self._tokens is None and not self._tracing_without_vocabulary:
            raise RuntimeError(
                f"{type(self).__name__} '{self.name}' has no vocabulary yet: call "
                f"`{self.name}.adapt(data)` on sample data first, or pass `vocabulary=[...]` "
                "when creating it.")

    def call(self, inputs):
        self._check_ready()
        if self.invert:
            return self._invert(inputs)
        arr = self._tokens_array(inputs)
        return self._encode([arr.ravel().tolist()], arr.shape, ragged=False)

    def _lookup(self, tokens: list) -> np.ndarray:
        """Indices of a flat token list: vocabulary, mask (0 or dropped), OOV buckets."""
        masked_value = -2  # a sentinel for the mask token, found in the same dict pass
        table = self._index
        if self.mask_token is not None:
            table = {**table, self._mask_key: masked_value}
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        idx = np.fromiter(map(table.get, tokens, [default] * len(tokens)), dtype=np.int64,
                          count=len(tokens))
        oov = idx == -1
        if self.num_oov_indices != 1 and oov.any():
            unknown = [t for t, o in zip(tokens, oov.tolist()) if o]
            if self.num_oov_indices == 0:
                bad = [self._public(t) for t in unknown[:10]]
                raise InvalidArgumentError(
                    f"{type(self).__name__} '{self.name}': when `num_oov_indices=0` all "
                    f"inputs should be in vocabulary, found OOV values {bad}, consider "
                    "setting `num_oov_indices=1`.")
            idx[oov] = self._oov_buckets(unknown) + self._oov_start_index()
        if self.mask_token is not None:
            # Int mode: the mask maps to 0; other modes drop it from the counts (-1).
            idx[idx == masked_value] = 0 if self.output_mode == "int" else -1
        return idx

    def _oov_buckets(self, tokens: list) -> np.ndarray:
        """Which OOV index each unknown token takes: integers ``mod num_oov_indices``
        (``oov_method='floormod'``), strings (and integers with 'farmhash', as decimal text)
        by FarmHash64, as Keras does."""
        n = self.num_oov_indices
        if not self._string_tokens and self.oov_method == "floormod":
            return np.mod(np.array(tokens, dtype=np.int64), n)
        keys = [t if isinstance(t, bytes) else str(t).encode() for t in tokens]
        return np.array([_fingerprint64(k) % n for k in keys], dtype=np.int64)

    @property
    def _mask_key(self):
        return self._key(self.mask_token)

    def _depth(self):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def _encode(self, rows: list, shape: tuple, ragged: bool, length=None):
        """Looks up ``rows`` (token lists) and encodes them in the output mode.

        ``shape`` is the dense shape of a non-ragged block (``rows`` then holds one flat
        list); ragged int rows are padded with 0 to the longest (or cut/padded to
        ``length``). Every step is on whole arrays: no Python loop over rows."""
        sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        if self._tracing_without_vocabulary:
            flat = np.zeros(int(sizes.sum()), np.int64)
        else:
            flat = self._lookup([t for r in rows for t in r])
        if not ragged:
            idx = flat.reshape(shape)
            if self.output_mode == "int":
                return convert_to_tensor(idx)
            if self.output_mode == "one_hot" and not (idx.ndim > 1 and idx.shape[-1] == 1):
                idx = idx[..., None]
            if idx.ndim == 0:
                idx = idx[None]
            if idx.ndim > 2:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': when output_mode is not 'int', "
                    f"maximum supported output rank is 2. Received input shape {shape}.")
            lead = idx.shape[:-1]
            sizes = np.full(int(np.prod(lead)), idx.shape[-1], np.int64)
            flat = idx.reshape(-1)
        else:
            lead = (len(rows),)
        row = np.repeat(np.arange(len(sizes)), sizes)  # the row of each token
        if self.output_mode == "int":
            width = length if length is not None else int(sizes.max(initial=0))
            col = np.arange(flat.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            keep = col < width
            out = np.zeros((len(sizes), width), np.int64)
            out[row[keep], col[keep]] = flat[keep]
            return convert_to_tensor(out)
        depth = self._depth()
        keep = (flat >= 0) & (flat < depth)  # the mask (-1) is dropped, as Keras's bincount
        counts = np.bincount(row[keep] * depth + flat[keep], minlength=len(sizes) * depth)
        counts = counts.reshape(lead + (depth,))
        if self.output_mode in ("one_hot", "multi_hot"):
            counts = np.minimum(counts, 1)
        if self.output_mode == "tf_idf":
            idf = self._idf if self._idf is not None else np.zeros(depth, np.float32)
            return convert_to_tensor((counts * idf[:depth]).astype(np.float32))
        return convert_to_tensor(counts)

    def _invert(self, inputs):
        ids = np.asarray(as_array(inputs) if isinstance(inputs, Tensor) else inputs)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__} '{self.name}' with invert=True expects "
                            f"integer indices; received dtype {ids.dtype}.")
        keys = [None] * self._token_start_index() + list(self._tokens)
        if self._oov_start_index():
            keys[0] = self._mask_key
        oov = self._key(self.oov_token)
        flat = [keys[i] if 0 <= i < len(keys) and keys[i] is not None else oov
                for i in ids.ravel().tolist()]
        return self._tokens_tensor(flat, ids.shape)

    def _tokens_tensor(self, flat, shape):
        return convert_to_tensor(np.array(flat, dtype=bytes).reshape(shape), dtype="string")

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self._depth()
        shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
        return shape[:-1] + (depth,)

    # -- model files: Keras 3's assets hooks ----------------------------------------------
    def save_assets(self, dir_path):
        """Writes a learned vocabulary to ``dir_path/vocabulary.txt``, one token a line,
        special tokens first (where Keras 3 keeps it in a ``.keras`` file); a vocabulary
        given to the constructor travels in the config instead."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        """Reads the vocabulary ``save_assets`` wrote (nothing to do for a given one)."""
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not self._string_tokens:
            try:
                lines = [int(line) for line in lines]
            except ValueError as e:
                raise ValueError(f"{type(self).__name__} '{self.name}': vocabulary.txt holds a "
                                 f"token that is not an integer ({e}).") from None
        if len(lines) <= self._token_start_index():
            return  # saved before adapt: special tokens only
        if self.output_mode != "tf_idf":
            self.set_vocabulary(lines)
        elif self._idf is None or len(self._idf) < len(lines):
            raise ValueError(f"{type(self).__name__} '{self.name}': the file has a tf_idf "
                             "vocabulary but no idf_weights of its length.")
        else:  # the weights, restored first, hold the idf table (padded as it was)
            self.set_vocabulary(lines, idf_weights=self._idf[:len(lines)])

    def _saved_arrays(self) -> dict:
        """State kept beside the variables in a weights file, as Keras 3 keeps it: the idf
        table of a tf_idf layer at ``vars/idf_weights`` (None: nothing to write yet)."""
        return {"idf_weights": self._idf} if self.output_mode == "tf_idf" else {}

    def _restore_arrays(self, arrays: dict):
        if "idf_weights" in arrays:
            self._idf = np.asarray(arrays["idf_weights"], np.float32).ravel()

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": "string" if self._string_tokens else "int64",
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self.vocabulary_size() if self._tokens is not None else None,
            "oov_method": self.oov_method, "salt": self.salt,
        })
        return config


def _listify(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        x = as_array(x)
    if isinstance(x, np.ndarray):
        x = x.tolist()
    return [v.decode() if isinstance(v, bytes) else v for v in x] if isinstance(x, list) else x


def _batches(data, steps):
    """The batches of ``adapt``'s data: a whole array/list/tensor is one batch; any other
    iterable (a data set, a generator) yields its own. A whole 1-D array becomes a column
    (each entry one document, for tf-idf), as Keras expands it."""
    if isinstance(data, (Tensor, np.ndarray, list, tuple, str, bytes)):
        if not isinstance(data, (str, bytes)):
            arr = as_array(data) if isinstance(data, Tensor) else _array(data)
            if arr.ndim == 1:
                data = arr[:, None]
        yield data
        return
    if isinstance(data, KerasTensor) or not hasattr(data, "__iter__"):
        raise TypeError("adapt() expects an array, a list, a tensor or an iterable of batches "
                        f"(e.g. a tf.data.Dataset); received {type(data).__name__}.")
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield batch


def _array(data) -> np.ndarray:
    try:
        return np.asarray(data)
    except ValueError:  # rows of different lengths: keep them as objects
        return np.asarray(data, dtype=object)


class StringLookup(_IndexLookup):
    """Maps strings to integer indices from a vocabulary: ``'[UNK]'`` (index 0, or 1 after
    a mask token) for unknown strings, then the vocabulary.

    Args:
        max_tokens: largest vocabulary size, special tokens included (None: no limit).
        num_oov_indices: OOV indices (default 1; 0: unknown strings are an error; more:
            unknown strings spread over them by FarmHash64, as Keras).
        mask_token: a token that maps to 0 (default None: no mask).
        oov_token: default '[UNK]' (returned by ``invert=True`` for unknown indices).
        vocabulary: list/array/tensor of strings, or a file with one per line.
        idf_weights: for ``output_mode='tf_idf'`` with a given vocabulary.
        invert: map indices back to strings.
        output_mode: 'int' (default), 'one_hot', 'multi_hot', 'count' or 'tf_idf'.
        pad_to_max_tokens: encode into ``max_tokens`` columns whatever the vocabulary size.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         encoding=encoding, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        del config["vocabulary_dtype"]
        return config


class IntegerLookup(_IndexLookup):
    """Maps integers to contiguous indices from a vocabulary: OOV index -1's slot first (or
    ``num_oov_indices`` slots, filled by ``value mod num_oov_indices``), then the vocabulary.

    Args as StringLookup, with integer ``mask_token`` (default None) and ``oov_token``
    (default -1).
    """

    _string_tokens = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 output_mode="int", sparse=False, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, name=None, **kwargs):
        if vocabulary_dtype not in ("int64", "int32", None):
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int64'. Received: "
                             f"vocabulary_dtype={vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, name=name, **kwargs)

    def _key(self, token):
        if isinstance(token, (bytes, str)):
            raise TypeError(f"IntegerLookup '{self.name}' expects integers; received the string "
                            f"{token!r}. Use StringLookup for strings.")
        return int(token)

    def _public(self, token):
        return token

    def _tokens_array(self, x) -> np.ndarray:
        arr = np.asarray(as_array(x) if isinstance(x, Tensor) else x)
        if arr.size and arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and np.all(np.mod(arr, 1) == 0):
                return arr.astype(np.int64)
            raise TypeError(f"IntegerLookup '{self.name}' expects integers; received an array "
                            f"of dtype {arr.dtype}.")
        return arr.astype(np.int64)

    def _tokens_tensor(self, flat, shape):
        return convert_to_tensor(np.array(flat, dtype=np.int64).reshape(shape))


# ---------------------------------------------------------------------------------------
# TextVectorization
# ---------------------------------------------------------------------------------------

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


class TextVectorization(Layer):
    """Turns raw strings into token ids (or multi-hot/count/tf-idf vectors).

    Each text is standardized (by default lower-cased, ASCII, and stripped of punctuation),
    split into tokens (by default on whitespace), optionally joined into n-grams, then looked
    up in a vocabulary learned by ``adapt`` (or given as ``vocabulary``): '' is index 0
    (padding) and '[UNK]' index 1 in ``'int'`` mode.

    Args:
        max_tokens: largest vocabulary size, '' and '[UNK]' included (None: no limit).
        standardize: 'lower_and_strip_punctuation' (default), 'lower', 'strip_punctuation',
            None, or a callable on a string tensor.
        split: 'whitespace' (default), 'character', None (each text is one token), or a
            callable from a string tensor to token lists.
        ngrams: None, an int n (all 1..n-grams) or a tuple of widths.
        output_mode: 'int' (default), 'multi_hot', 'count', 'tf_idf' (or 'one_hot' with
            split=None).
        output_sequence_length: 'int' mode: pad or cut each row to this length (default:
            pad to the batch's longest).
        pad_to_max_tokens: non-int modes: ``max_tokens`` columns whatever the vocabulary.
        vocabulary, idf_weights: a fixed vocabulary (and tf-idf weights) instead of adapt.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        for arg, value, allowed in (("standardize", standardize, _STANDARDIZE),
                                    ("split", split, _SPLIT)):
            if value is not None and not callable(value) and value not in allowed:
                raise ValueError(f"{arg} value {value!r} is not supported by TextVectorization. "
                                 f"Expected one of {list(allowed)}, None or a callable.")
        mode = _output_mode(output_mode, "TextVectorization")
        if not (ngrams is None or (isinstance(ngrams, int) and ngrams > 0) or (
                isinstance(ngrams, tuple) and all(isinstance(n, int) and n > 0
                                                  for n in ngrams))):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, int) and output_sequence_length > 0)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: output_sequence_length="
                             f"{output_sequence_length}")
        if mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged:
            raise ValueError("TextVectorization(ragged=True) is not supported by Ember (it has "
                             "no ragged tensors); use output_sequence_length or the default "
                             "padding to the longest text in the batch.")
        self._standardize, self._split = standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=mode,
            sparse=sparse, encoding=encoding, name=f"{self.name}_lookup")
        self.built = True

    # -- the pipeline ---------------------------------------------------------------------
    def _standardized(self, arr: np.ndarray):
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            arr = _map(_lower, arr)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            arr = _map(_strip, arr)
        if callable(self._standardize):
            out = self._standardize(convert_to_tensor(arr.astype(bytes), dtype="string")
                                    if arr.size else convert_to_tensor(arr.tolist(),
                                                                       dtype="string"))
            arr = _string_array(out, f"TextVectorization '{self.name}' standardize")
        return arr

    def _preprocess(self, inputs):
        """(rows of tokens, dense shape or None): ragged rows when split, else a dense array."""
        where = f"TextVectorization '{self.name}'"
        arr = self._standardized(_string_array(inputs, where, self._lookup_layer._tracing))
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError(f"{where}: ngrams need split to be set (not None).")
            return [arr.ravel().tolist()], arr.shape
        if arr.ndim > 1:
            if arr.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input "
                                 "rank must be 1 or the last shape dimension must be 1. "
                                 f"Received: inputs.shape={arr.shape} with rank={arr.ndim}")
            arr = arr[..., 0]
        if arr.ndim > 1:
            raise ValueError(f"{where} expects a batch of texts of shape (batch,) or "
                             f"(batch, 1); received shape {arr.shape + (1,)}.")
        texts = arr.reshape(-1).tolist()
        if self._split == "whitespace":
            rows = [_split_whitespace(s) for s in texts]
        elif self._split == "character":
            rows = [_split_characters(s) for s in texts]
        else:
            rows = _rows_of(self._split(convert_to_tensor(arr.astype(bytes), dtype="string")
                                        if arr.size else convert_to_tensor([], dtype="string")))
        if self._ngrams is not None:
            rows = [_ngrams(r, self._ngrams) for r in rows]
        if arr.ndim == 0:  # one text: its tokens are one row, as tf.strings.split gives
            return rows, "scalar"
        return rows, None

    # -- adapt ------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from texts: an array, list or tensor of strings, or any
        iterable of batches of strings (a ``tf.data.Dataset``, a generator)."""
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        lookup.reset_state()
        seen = 0
        for batch in _batches(data, steps):
            self.update_state(batch)
            seen += 1
        if not seen:
            raise ValueError(f"Layer '{self.name}': adapt() received no data.")
        lookup.finalize_state()

    def update_state(self, data):
        rows, shape = self._preprocess(data)
        if shape is not None and shape != "scalar":  # split=None: each text is one token
            rows = [[t] for t in rows[0]]
        lookup = self._lookup_layer
        for row in rows:
            lookup._counts.update(row)
            if lookup.output_mode == "tf_idf":
                lookup._doc_counts.update(set(row))
                lookup._num_documents += 1

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    # -- calling ----------------------------------------------------------------------------
    def _convert_inputs(self, x):
        return x  # raw text stays as it is; _preprocess reads it

    def __call__(self, inputs, *args, **kwargs):
        if not is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        # Traced on placeholder zeros, maybe before adapt: only the output shape counts.
        self._lookup_layer._tracing = True
        try:
            return super().__call__(inputs, *args, **kwargs)
        finally:
            self._lookup_layer._tracing = False

    def call(self, inputs):
        lookup = self._lookup_layer
        if lookup._tokens is None and not lookup._tracing_without_vocabulary:
            raise RuntimeError(
                f"TextVectorization '{self.name}' has no vocabulary yet: call "
                f"`{self.name}.adapt(texts)` on sample text first, or pass "
                "`vocabulary=[...]` when creating it.")
        rows, shape = self._preprocess(inputs)
        length = self._output_sequence_length
        if shape == "scalar":  # one text in: one row out
            return ops.squeeze(lookup._encode(rows, None, ragged=True, length=length), 0)
        if shape is None:
            return lookup._encode(rows, None, ragged=True, length=length)
        out = lookup._encode(rows, shape, ragged=False)  # split=None: one token per text
        if length is not None and len(shape) > 1:
            ids = out.numpy()[..., :length]
            pad = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
            out = convert_to_tensor(np.pad(ids, pad))
        return out

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary; with special tokens, a token's position is its id."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of ids: '' and '[UNK]' (int mode) plus the vocabulary."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and tf-idf weights) directly instead of ``adapt``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def save_assets(self, dir_path):
        """The vocabulary file of its lookup layer, as Keras 3 saves it."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    def _saved_arrays(self) -> dict:
        return self._lookup_layer._saved_arrays()  # Keras 3 writes them here too

    def _restore_arrays(self, arrays: dict):
        self._lookup_layer._restore_arrays(arrays)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        return (input_shape[0], self._lookup_layer._depth())

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": _listify(lookup.input_vocabulary),
            "idf_weights": _listify(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": lookup.vocabulary_size() if lookup._tokens is not None else None,
        })
        return config


__all__ = ["TextVectorization", "StringLookup", "IntegerLookup"]
