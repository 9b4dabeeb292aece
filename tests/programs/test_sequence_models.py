"""Sequence programs: Keras's "Text classification with Transformer" example
(TransformerBlock, TokenAndPositionEmbedding with keras.ops) and TensorFlow's "Text
generation with an RNN" tutorial (unicode_split, StringLookup both ways, reduce_join, a
subclassed GRU model returning states, ModelCheckpoint, the OneStep sampler with a
SparseTensor mask, generation one character at a time, and the custom train_step). IMDB
and Shakespeare are offline: small synthetic stand-ins of the same form."""

import os

import numpy as np

import ember as tf
from ember import keras
from ember.keras import layers, ops


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim), ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def imdb_like(n, vocab_size, seed):
    """Lists of word ids of varying length; positive reviews use ids 10-19 more often."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = []
    for label in y:
        length = rng.integers(20, 60)
        words = rng.integers(30, vocab_size, length)
        signal = rng.integers(10, 20, 6) if label else rng.integers(20, 30, 6)
        words[rng.choice(length, 6, replace=False)] = signal
        x.append(list(words))
    return x, y


def test_transformer_text_classification():
    vocab_size = 2000  # Only consider the top 20k words
    maxlen = 40  # Only consider the first 200 words of each movie review
    (x_train, y_train), (x_val, y_val) = imdb_like(320, vocab_size, 0), imdb_like(80,
                                                                                    vocab_size, 1)
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
    assert x_train.shape == (320, maxlen)
    embed_dim = 32  # Embedding size for each token
    num_heads = 2  # Number of attention heads
    ff_dim = 32  # Hidden layer size in feed forward network inside transformer
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=4,
                        validation_data=(x_val, y_val), verbose=0)
    assert history.history["val_accuracy"][-1] > 0.75


SHAKESPEARE = """First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?

All:
Resolved. resolved.

ROMEO:
But, soft! what light through yonder window breaks?
"""


class MyModel(tf.keras.Model):
    def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__(self)
        self.embedding = tf.keras.layers.Embedding(vocab_size, embedding_dim)
        self.gru = tf.keras.layers.GRU(rnn_units,
                                       return_sequences=True,
                                       return_state=True)
        self.dense = tf.keras.layers.Dense(vocab_size)

    def call(self, inputs, states=None, return_state=False, training=False):
        x = inputs
        x = self.embedding(x, training=training)
        if states is None:
            states = self.gru.get_initial_state(x)
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        if return_state:
            return x, states
        return x


class OneStep(tf.keras.Model):
    def __init__(self, model, chars_from_ids, ids_from_chars, temperature=1.0):
        super().__init__()
        self.temperature = temperature
        self.model = model
        self.chars_from_ids = chars_from_ids
        self.ids_from_chars = ids_from_chars
        # Create a mask to prevent "[UNK]" from being generated.
        skip_ids = self.ids_from_chars(['[UNK]'])[:, None]
        sparse_mask = tf.SparseTensor(
            # Put a -inf at each bad index.
            values=[-float('inf')] * len(skip_ids),
            indices=skip_ids,
            # Match the shape to the vocabulary
            dense_shape=[len(ids_from_chars.get_vocabulary())])
        self.prediction_mask = tf.sparse.to_dense(sparse_mask)

    @tf.function
    def generate_one_step(self, inputs, states=None):
        # Convert strings to token IDs.
        input_chars = tf.strings.unicode_split(inputs, 'UTF-8')
        input_ids = self.ids_from_chars(input_chars).to_tensor()
        # Run the model.
        # predicted_logits.shape is [batch, char, next_char_logits]
        predicted_logits, states = self.model(inputs=input_ids, states=states,
                                              return_state=True)
        # Only use the last prediction.
        predicted_logits = predicted_logits[:, -1, :]
        predicted_logits = predicted_logits / self.temperature
        # Apply the prediction mask: prevent "[UNK]" from being generated.
        predicted_logits = predicted_logits + self.prediction_mask
        # Sample the output logits to generate token IDs.
        predicted_ids = tf.random.categorical(predicted_logits, num_samples=1)
        predicted_ids = tf.squeeze(predicted_ids, axis=-1)
        # Convert from token ids to characters
        predicted_chars = self.chars_from_ids(predicted_ids)
        # Return the characters and model state.
        return predicted_chars, states


def test_text_generation_with_an_rnn(tmp_path):
    text = SHAKESPEARE * 6
    vocab = sorted(set(text))
    example_texts = ['abcdefg', 'xyz']
    chars = tf.strings.unicode_split(example_texts, input_encoding='UTF-8')
    ids_from_chars = tf.keras.layers.StringLookup(vocabulary=list(vocab), mask_token=None)
    ids = ids_from_chars(chars)
    chars_from_ids = tf.keras.layers.StringLookup(
        vocabulary=ids_from_chars.get_vocabulary(), invert=True, mask_token=None)
    chars = chars_from_ids(ids)
    joined = tf.strings.reduce_join(chars, axis=-1).numpy()
    assert joined.shape == (2,) and joined[0].startswith(b'a')  # unknown characters: [UNK]

    def text_from_ids(ids):
        return tf.strings.reduce_join(chars_from_ids(ids), axis=-1)

    all_ids = ids_from_chars(tf.strings.unicode_split(text, 'UTF-8'))
    assert all_ids.shape == (len(text),)
    ids_dataset = tf.data.Dataset.from_tensor_slices(all_ids)
    seq_length = 20
    sequences = ids_dataset.batch(seq_length + 1, drop_remainder=True)
    for seq in sequences.take(1):
        assert text_from_ids(seq).numpy() == text[:seq_length + 1].encode()

    def split_input_target(sequence):
        input_text = sequence[:-1]
        target_text = sequence[1:]
        return input_text, target_text

    assert split_input_target(list("Tensorflow")) == (list("Tensorflo"), list("ensorflow"))
    dataset = sequences.map(split_input_target)
    BATCH_SIZE = 8
    BUFFER_SIZE = 10000
    dataset = (
        dataset
        .shuffle(BUFFER_SIZE)
        .batch(BATCH_SIZE, drop_remainder=True)
        .prefetch(tf.data.experimental.AUTOTUNE))
    vocab_size = len(ids_from_chars.get_vocabulary())
    embedding_dim = 16
    rnn_units = 64
    model = MyModel(
        vocab_size=vocab_size,
        embedding_dim=embedding_dim,
        rnn_units=rnn_units)
    for input_example_batch, target_example_batch in dataset.take(1):
        example_batch_predictions = model(input_example_batch)
        assert example_batch_predictions.shape == (BATCH_SIZE, seq_length, vocab_size)
    lines = []
    model.summary(print_fn=lines.append)
    sampled_indices = tf.random.categorical(example_batch_predictions[0], num_samples=1)
    sampled_indices = tf.squeeze(sampled_indices, axis=-1).numpy()
    assert sampled_indices.shape == (seq_length,)
    loss = tf.losses.SparseCategoricalCrossentropy(from_logits=True)
    example_batch_mean_loss = loss(target_example_batch, example_batch_predictions)
    assert abs(tf.exp(example_batch_mean_loss).numpy() - vocab_size) < vocab_size / 2
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=loss)
    # Directory where the checkpoints will be saved
    checkpoint_dir = str(tmp_path / 'training_checkpoints')
    # Name of the checkpoint files
    checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt_{epoch}.weights.h5")
    checkpoint_callback = tf.keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_prefix,
        save_weights_only=True)
    EPOCHS = 8
    history = model.fit(dataset, epochs=EPOCHS, callbacks=[checkpoint_callback], verbose=0)
    assert history.history['loss'][-1] < 0.7 * history.history['loss'][0]
    assert len(os.listdir(checkpoint_dir)) == EPOCHS

    one_step_model = OneStep(model, chars_from_ids, ids_from_chars)
    tf.random.set_seed(0)
    states = None
    next_char = tf.constant(['ROMEO:'])
    result = [next_char]
    for n in range(60):
        next_char, states = one_step_model.generate_one_step(next_char, states=states)
        result.append(next_char)
    result = tf.strings.join(result)
    generated = result[0].numpy().decode('utf-8')
    assert generated.startswith("ROMEO:") and len(generated) == 66
    assert "[UNK]" not in generated and set(generated) <= set(vocab)

    next_char = tf.constant(['ROMEO:', 'ROMEO:', 'ROMEO:'])
    result = [next_char]
    states = None
    for n in range(5):
        next_char, states = one_step_model.generate_one_step(next_char, states=states)
        result.append(next_char)
    result = tf.strings.join(result)
    assert result.shape == (3,)

    class CustomTraining(MyModel):
        @tf.function
        def train_step(self, inputs):
            inputs, labels = inputs
            with tf.GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = self.loss(labels, predictions)
            grads = tape.gradient(loss, model.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return {'loss': loss}

    model = CustomTraining(
        vocab_size=len(ids_from_chars.get_vocabulary()),
        embedding_dim=embedding_dim,
        rnn_units=rnn_units)
    model.compile(optimizer=tf.keras.optimizers.Adam(),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history['loss'][0])
