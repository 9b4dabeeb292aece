"""A character-level LSTM, as the course's music-generation lab builds it, on any text file.

    python examples/char_rnn.py [TEXT_FILE] [--steps 300] [--units 256]

The default text, /usr/share/common-licenses/GPL-3, ships on every Debian system. The model
and the loop are the lab's code: an Embedding, a stateful LSTM and a Dense layer trained with
GradientTape and Adam on random windows of the text; then the model is rebuilt with batch
size 1, given the trained weights, and sampled one character at a time with
tf.random.categorical. (The lab uses 1024 LSTM units and 2000 steps; the defaults here are
smaller so that the example finishes in a minute or two on a laptop.)
"""

import argparse

import numpy as np

import ember as tf

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("text", nargs="?", default="/usr/share/common-licenses/GPL-3")
parser.add_argument("--steps", type=int, default=300)
parser.add_argument("--units", type=int, default=256)
parser.add_argument("--embedding-dim", type=int, default=256)
parser.add_argument("--seq-length", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--learning-rate", type=float, default=5e-3)
parser.add_argument("--generate", type=int, default=500)
args = parser.parse_args()

### Data: the text as integer ids ###
with open(args.text, encoding="utf-8", errors="replace") as f:
    text = f.read()
vocab = sorted(set(text))
print(f"{len(text)} characters, {len(vocab)} unique")
char2idx = {u: i for i, u in enumerate(vocab)}
idx2char = np.array(vocab)
vectorized_text = np.array([char2idx[c] for c in text])


def get_batch(vectorized_songs, seq_length, batch_size):
    n = vectorized_songs.shape[0] - 1
    idx = np.random.choice(n - seq_length, batch_size)
    input_batch = [vectorized_songs[i: i + seq_length] for i in idx]
    output_batch = [vectorized_songs[i + 1: i + seq_length + 1] for i in idx]
    return np.reshape(input_batch, [batch_size, seq_length]), \
        np.reshape(output_batch, [batch_size, seq_length])


### The model ###
def LSTM(rnn_units):
    return tf.keras.layers.LSTM(rnn_units, return_sequences=True,
                                recurrent_initializer='glorot_uniform',
                                recurrent_activation='sigmoid', stateful=True)


def build_model(vocab_size, embedding_dim, rnn_units, batch_size):
    return tf.keras.Sequential([
        tf.keras.layers.Embedding(vocab_size, embedding_dim,
                                  batch_input_shape=[batch_size, None]),
        LSTM(rnn_units),
        tf.keras.layers.Dense(vocab_size),
    ])


model = build_model(len(vocab), args.embedding_dim, args.units, args.batch_size)
model.summary()


### Training ###
def compute_loss(labels, logits):
    loss = tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    return tf.reduce_mean(loss)


optimizer = tf.keras.optimizers.Adam(args.learning_rate)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        y_hat = model(x)
        loss = compute_loss(y, y_hat)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


history = []
for iter in range(args.steps):
    x_batch, y_batch = get_batch(vectorized_text, args.seq_length, args.batch_size)
    loss = train_step(x_batch, y_batch)
    history.append(float(loss.numpy().mean()))
    if iter % 25 == 0 or iter == args.steps - 1:
        print(f"step {iter:4d}  loss {history[-1]:.3f}")

### Sampling: the same network with batch size 1 and the trained weights ###
model_1 = build_model(len(vocab), args.embedding_dim, args.units, batch_size=1)
model_1.set_weights(model.get_weights())
model_1.build(tf.TensorShape([1, None]))


def generate_text(model, start_string, generation_length=1000):
    input_eval = [char2idx[s] for s in start_string]
    input_eval = tf.expand_dims(input_eval, 0)
    text_generated = []
    model.reset_states()
    for _ in range(generation_length):
        predictions = model(input_eval)
        predictions = tf.squeeze(predictions, 0)
        predicted_id = tf.random.categorical(predictions, num_samples=1)[-1, 0].numpy()
        input_eval = tf.expand_dims([predicted_id], 0)
        text_generated.append(idx2char[predicted_id])
    return start_string + ''.join(text_generated)


print(generate_text(model_1, start_string=text[:10], generation_length=args.generate))
