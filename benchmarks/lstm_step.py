"""One training step of the course's character LSTM: Ember against PyTorch and TensorFlow.

The model is the music-generation lab's: Embedding(83, 256) -> LSTM(1024, return_sequences)
-> Dense(83), sparse categorical cross-entropy from logits, Adam; batch 32, sequence 100.

    python benchmarks/lstm_step.py                 # 3 rounds, every framework installed
    python benchmarks/lstm_step.py --quick         # 1 round, 1 timed step each: a smoke test
    python benchmarks/lstm_step.py --only ember,torch

- ember: the lab's code after ``import ember as tf`` (stateful LSTM, GradientTape, Adam).
- torch: ``nn.Embedding`` + ``nn.LSTM(batch_first=True)`` + ``nn.Linear``, a hand loop with
  ``F.cross_entropy`` and ``torch.optim.Adam`` (CPU).
- tensorflow: the same Keras code as Ember's after ``import tensorflow as tf``, the step
  inside ``tf.function`` as the lab writes it.

Each framework runs in its own process (one JSON line back); rounds rotate the order and the
figure is the median over rounds of each round's median step time. Writes
``benchmarks/results/lstm_step.md`` and prints the same table.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import step_rounds

VOCAB, EMBED, UNITS, SEQ, BATCH = 83, 256, 1024, 100, 32
HERE = Path(__file__).resolve().parent


def _batches(np, steps):
    rng = np.random.default_rng(0)
    return [(rng.integers(0, VOCAB, (BATCH, SEQ)), rng.integers(0, VOCAB, (BATCH, SEQ)))
            for _ in range(steps)]


def _keras_step(tf, keras2):
    if keras2:  # the lab's spelling, which Ember accepts
        first = [tf.keras.layers.Embedding(VOCAB, EMBED, batch_input_shape=[BATCH, None])]
    else:  # Keras 3 rejects batch_input_shape
        first = [tf.keras.Input(batch_shape=(BATCH, None)), tf.keras.layers.Embedding(VOCAB, EMBED)]
    model = tf.keras.Sequential(first + [
        tf.keras.layers.LSTM(UNITS, return_sequences=True, recurrent_initializer="glorot_uniform",
                             recurrent_activation="sigmoid", stateful=True),
        tf.keras.layers.Dense(VOCAB)])
    optimizer = tf.keras.optimizers.Adam(5e-3)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            y_hat = model(x)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                y, y_hat, from_logits=True))
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
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, VOCAB)

        def forward(self, x):
            y, _ = self.lstm(self.embedding(x))
            return self.dense(y)

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)

    def step(x, y):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
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
        step = _keras_step(tf, keras2=True)
    elif framework == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        step = _keras_step(tf, keras2=False)
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
    step_rounds.main(__file__, __doc__, worker, title="One training step of the char LSTM",
                     model=f"Embedding({VOCAB}, {EMBED}) -> LSTM({UNITS}) -> Dense({VOCAB}), "
                           f"batch {BATCH}, sequence {SEQ}, Adam",
                     steps=3, warmup=1, unit="s")


if __name__ == "__main__":
    main()
