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

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def _available(name):
    probe = {"ember": "numpy", "torch": "torch", "tensorflow": "tensorflow"}[name]
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec('{probe}') is None)"
    return subprocess.run([sys.executable, "-c", code]).returncode == 0


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="ember,torch,tensorflow")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for every framework (BLAS, torch, TF); 0: their defaults")
    parser.add_argument("--out", default=str(HERE / "results" / "transformer_step.md"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.warmup, args.steps, args.threads)
        return
    if args.quick:
        args.rounds, args.steps = 1, 1
    names = [n for n in args.only.split(",") if n and _available(n)]
    results = {n: [] for n in names}
    info = {}
    env = dict(os.environ)
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            proc = subprocess.run([sys.executable, __file__, "--worker", name, "--warmup",
                                   str(args.warmup), "--steps", str(args.steps), "--threads",
                                   str(args.threads)],
                                  capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            payload = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(statistics.median(payload["times"]))
            info[name] = payload["info"]
            print(f"round {r + 1} {name}: {1e3 * results[name][-1]:.1f} ms/step", flush=True)
    med = {n: statistics.median(v) for n, v in results.items() if v}
    lines = [f"# One training step of a small Transformer encoder ({time.strftime('%Y-%m-%d')})",
             "", f"Machine: {_machine()}.",
             f"Model: Embedding({VOCAB}, {EMBED}) + positions({MAXLEN}) -> MultiHeadAttention "
             f"({HEADS} heads x {EMBED // HEADS}) + LayerNorm + FFN({FF}) + LayerNorm -> "
             f"average pooling -> Dense({CLASSES}); batch {BATCH}, sequence {MAXLEN}, Adam; "
             f"median of {args.rounds} rounds x {args.steps} steps; threads: "
             f"{args.threads or 'each framework default'}.", "",
             "| framework | ms/step | Ember / peer | each round |", "|---|---|---|---|"]
    for n, t in med.items():
        ratio = "—" if n == "ember" or "ember" not in med else f"{med['ember'] / t:.2f}x"
        rounds = ", ".join(f"{1e3 * v:.1f}" for v in results[n])
        lines.append(f"| {n} {info.get(n, {}).get(n, '')} | {1e3 * t:.1f} | {ratio} | "
                     f"{rounds} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
