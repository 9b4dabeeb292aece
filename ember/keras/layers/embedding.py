"""Embedding: integer token ids -> dense vectors, ``out[b, t] = embeddings[ids[b, t]]``."""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.keras import constraints, initializers, regularizers
from ember.keras.layers.layer import Layer
from ember.ops.embedding import embedding_lookup
from ember.tensor import as_array


class Embedding(Layer):
    """Turns token ids in ``[0, input_dim)`` into vectors of size ``output_dim``.

    The gradient adds into the rows that were looked up (a scatter-add, never a one-hot
    matmul). Ids outside the vocabulary raise an error naming the largest id and
    ``input_dim``.

    Args:
        input_dim: vocabulary size (largest id + 1). output_dim: vector size.
        embeddings_initializer: default 'uniform' (U[-0.05, 0.05]).
        embeddings_regularizer, embeddings_constraint: optional.
        mask_zero: id 0 is padding: the output carries a mask ``ids != 0`` that RNNs and
            other mask-aware layers use to skip those steps (then id 0 cannot be a word).
        weights: optional initial table, ``[array of shape (input_dim, output_dim)]``.
        input_length: Keras 2's argument; accepted and ignored, as Keras 3 does.
    """

    _casts_ints = False  # ids stay integers

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, **kwargs):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value} "
                                 f"(of type {type(value).__name__}).")
        if lora_rank is not None:
            raise ValueError("Embedding(lora_rank=...) is not supported by Ember; leave it None.")
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs
        if as_array(ids).dtype.kind not in "iu":
            ids = ops.cast(ids, "int32")  # as Keras: float ids (e.g. from a float Input) cast
        return embedding_lookup(self.embeddings, ids, name=f"Layer '{self.name}' (Embedding)")

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": None if self.embeddings_regularizer is None
            else regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": None if self.activity_regularizer is None
            else regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": None if self.embeddings_constraint is None
            else constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config
