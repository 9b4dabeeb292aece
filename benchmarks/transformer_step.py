"""One training step of a small Transformer encoder classifier: Ember against PyTorch (and TF).

The model is Keras's text-classification Transformer: token + position embeddings (vocab
2000, 64 positions, width 64) -> one block of MultiHeadAttention (4 heads of 16) + residual +
LayerNormalization + feed-forward (128, relu) + residual + LayerNormalization, dropout 0.1 ->
global average pooling -> Dense(2); sparse categorical cross-entropy from logits, Adam;
batch 32.

    python benchmarks/transformer_step.py                  # 3 rounds, every framework
    python benchmarks/transformer_step.py --quick          # 1 round, 1 timed step: a smoke test
    python benchmarks/transformer_step.py --only ember,torch --threads 1

- ember: the Keras code after ``import ember as tf`` (GradientTape, Adam).
- torch: ``nn.Embedding`` x2 + ``nn.MultiheadAttention(batch_first=True)`` + ``nn.LayerNorm``
  + ``nn.Linear``, a hand loop with ``F.cross_entropy`` and ``torch.optim.Adam`` (CPU).
- tensorflow: the same Keras code as Ember's after ``import tensorflow as tf``, the step in
  ``tf.function``.

Each framework runs in its own process (one JSON line back); rounds rotate the order and the
figure is the median over rounds of each round's median step time. Writes
``benchmarks/results/transformer_step.md`` and prints the same table.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import step_rounds

VOCAB, MAXLEN, EMBED, HEADS, FF, BATCH, CLASSES = 2000, 64, 64, 4, 128, 32, 2
HERE = Path(__file__).resolve().parent


def _batches(np, steps):
    rng = np.random.default_rng(0)
    return [(rng.integers(0, VOCAB, (BATCH, MAXLEN)).astype("int32"),
             rng.integers(0, CLASSES, (BATCH,)).astype("int32")) for _ in range(steps)]


def _keras_step(tf):
    layers = tf.keras.layers

    class TransformerBlock(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.att = layers.MultiHeadAttention(num_heads=HEADS, key_dim=EMBED // HEADS)
            self.ffn = tf.keras.Sequential([layers.Dense(FF, activation="relu"),
                                            layers.Dense(EMBED)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(0.1)
            self.dropout2 = layers.Dropout(0.1)

        def call(self, inputs, training=None):
            attn = self.dropout1(self.att(inputs, inputs), training=training)
            out1 = self.layernorm1(inputs + attn)
            ffn = self.dropout2(self.ffn(out1), training=training)
            return self.layernorm2(out1 + ffn)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = layers.Embedding(input_dim=VOCAB, output_dim=EMBED)
            self.pos_emb = layers.Embedding(input_dim=MAXLEN, output_dim=EMBED)

        def call(self, x):
            positions = self.pos_emb(tf.range(start=0, limit=tf.shape(x)[-1], delta=1))
            return self.token_emb(x) + positions

    inputs = layers.Input(shape=(MAXLEN,), dtype="int32")
    x = TransformerBlock()(TokenAndPositionEmbedding()(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    model = tf.keras.Model(inputs, layers.Dense(CLASSES)(layers.Dropout(0.1)(x)))
    optimizer = tf.keras.optimizers.Adam(1e-3)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                y, logits, from_logits=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return lambda x, y: float(train_step(x, y))


def _torch_step():
    import torch
    from torch import nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_emb = nn.Embedding(VOCAB, EMBED)
            self.pos_emb = nn.Embedding(MAXLEN, EMBED)
            self.att = nn.MultiheadAttention(EMBED, HEADS, batch_first=True)
            self.ffn = nn.Sequential(nn.Linear(EMBED, FF), nn.ReLU(), nn.Linear(FF, EMBED))
            self.norm1 = nn.LayerNorm(EMBED, eps=1e-6)
            self.norm2 = nn.LayerNorm(EMBED, eps=1e-6)
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(EMBED, CLASSES)

        def forward(self, x):
            h = self.token_emb(x) + self.pos_emb(torch.arange(x.shape[1]))
            attn, _ = self.att(h, h, h, need_weights=False)
            h = self.norm1(h + self.drop(attn))
            h = self.norm2(h + self.drop(self.ffn(h)))
            return self.out(self.drop(h.mean(dim=1)))

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step(x, y):
        x, y = torch.from_numpy(x).long(), torch.from_numpy(y).long()
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return float(loss)
    return step, {"torch": torch.__version__, "threads": torch.get_num_threads()}


def worker(framework, warmup, steps, threads):
    import numpy as np
    info = {"numpy": np.__version__, "threads": threads}
    if framework == "ember":
        sys.path.insert(0, str(HERE.parent))
        import ember as tf
        step = _keras_step(tf)
    elif framework == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        step = _keras_step(tf)
        info["tensorflow"] = tf.__version__
    else:
        if threads:
            import torch
            torch.set_num_threads(threads)
        step, more = _torch_step()
        info.update(more)
    data = _batches(np, warmup + steps)
    times, losses = [], []
    for i, (x, y) in enumerate(data):
        t0 = time.perf_counter()
        losses.append(step(x, y))
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    print(json.dumps({"framework": framework, "times": times, "losses": losses, "info": info}))


def main():
    step_rounds.main(__file__, __doc__, worker,
                     title="One training step of a small Transformer encoder",
                     model=f"Embedding({VOCAB}, {EMBED}) + positions({MAXLEN}) -> "
                           f"MultiHeadAttention ({HEADS} heads x {EMBED // HEADS}) + LayerNorm "
                           f"+ FFN({FF}) + LayerNorm -> average pooling -> Dense({CLASSES}); "
                           f"batch {BATCH}, sequence {MAXLEN}, Adam",
                     steps=20, warmup=3, unit="ms")


if __name__ == "__main__":
    main()
