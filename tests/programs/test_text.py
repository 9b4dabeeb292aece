"""Text programs: TensorFlow's text classification tutorial (text_dataset_from_directory,
TextVectorization with a custom standardization, an exported string model), the word
embeddings tutorial, Keras's end-to-end string model and its Transformer classifier, and the
character-level text generation tutorial. IMDB is offline: a tiny IMDB-like folder stands
in, with the real layout and markup."""

import re
import string

import numpy as np

import ember as tf
from ember import keras
from ember.keras import layers, losses

from .conftest import write_review_folders


def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, '<br />', ' ')
    return tf.strings.regex_replace(stripped_html,
                                    '[%s]' % re.escape(string.punctuation),
                                    '')


def test_text_classification_tutorial(tmp_path):
    root = write_review_folders(tmp_path / "aclImdb")
    batch_size = 16
    seed = 42
    raw_train_ds = tf.keras.utils.text_dataset_from_directory(
        str(root / 'train'), batch_size=batch_size, validation_split=0.2,
        subset='training', seed=seed)
    assert raw_train_ds.class_names == ['neg', 'pos']
    for text_batch, label_batch in raw_train_ds.take(1):
        for i in range(3):
            assert isinstance(text_batch.numpy()[i], bytes)
            assert label_batch.numpy()[i] in (0, 1)
    raw_val_ds = tf.keras.utils.text_dataset_from_directory(
        str(root / 'train'), batch_size=batch_size, validation_split=0.2,
        subset='validation', seed=seed)
    raw_test_ds = tf.keras.utils.text_dataset_from_directory(
        str(root / 'test'), batch_size=batch_size)

    max_features = 10000
    sequence_length = 25
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=max_features,
        output_mode='int',
        output_sequence_length=sequence_length)
    train_text = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(train_text)

    def vectorize_text(text, label):
        text = tf.expand_dims(text, -1)
        return vectorize_layer(text), label

    text_batch, label_batch = next(iter(raw_train_ds))
    first_review, first_label = text_batch[0], label_batch[0]
    assert raw_train_ds.class_names[first_label] in ('neg', 'pos')
    vectorized, _ = vectorize_text(first_review, first_label)
    assert vectorized.shape == (1, sequence_length)
    vocab = vectorize_layer.get_vocabulary()
    assert vocab[:2] == ['', '[UNK]'] and 'br' not in vocab and 'movie' in vocab
    assert vectorize_layer.get_vocabulary()[int(vectorized[0, 0])] in vocab

    train_ds = raw_train_ds.map(vectorize_text)
    val_ds = raw_val_ds.map(vectorize_text)
    test_ds = raw_test_ds.map(vectorize_text)
    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
    test_ds = test_ds.cache().prefetch(buffer_size=AUTOTUNE)

    embedding_dim = 16
    model = tf.keras.Sequential([
        layers.Embedding(max_features, embedding_dim),
        layers.Dropout(0.2),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(1)])
    model.compile(loss=losses.BinaryCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                  metrics=[tf.metrics.BinaryAccuracy(threshold=0.0)])
    history = model.fit(train_ds, validation_data=val_ds, epochs=12, verbose=0)
    loss, accuracy = model.evaluate(test_ds, verbose=0)
    assert accuracy > 0.8
    history_dict = history.history
    assert sorted(history_dict.keys()) == ['binary_accuracy', 'loss', 'val_binary_accuracy',
                                           'val_loss']

    export_model = tf.keras.Sequential([
        vectorize_layer,
        model,
        layers.Activation('sigmoid')
    ])
    export_model.compile(
        loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam",
        metrics=['accuracy'])
    metrics = export_model.evaluate(raw_test_ds, return_dict=True, verbose=0)
    assert abs(metrics['accuracy'] - accuracy) < 1e-6
    examples = tf.constant([
        "The movie was wonderful, a masterpiece!",
        "The movie was okay.",
        "The movie was terrible, awful and boring..."
    ])
    probs = export_model.predict(examples, verbose=0)
    assert probs.shape == (3, 1)
    assert probs[0, 0] > 0.5 > probs[2, 0]


def test_end_to_end_string_model(tmp_path):
    """keras.io "Text classification from scratch": a string Input, TextVectorization inside
    the model, evaluate on raw strings."""
    root = write_review_folders(tmp_path / "aclImdb", n_per_class=30)
    raw_train_ds = keras.utils.text_dataset_from_directory(str(root / "train"), batch_size=16)
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization, max_tokens=200, output_mode="int",
        output_sequence_length=20)
    vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(200, 8)(inputs)
    x = layers.GlobalMaxPooling1D()(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.02),
                  metrics=["accuracy"])
    train_ds = raw_train_ds.map(lambda x, y: (vectorize_layer(x), y))
    model.fit(train_ds, epochs=10, verbose=0)

    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam",
                             metrics=["accuracy"])
    loss, acc = end_to_end_model.evaluate(raw_train_ds, verbose=0)
    assert acc > 0.8
    probs = end_to_end_model.predict(np.array([["a superb and brilliant film"],
                                               ["a dull boring waste"]]), verbose=0)
    assert probs.shape == (2, 1) and probs[0, 0] > probs[1, 0]


def test_word_embeddings_tutorial(tmp_path):
    root = write_review_folders(tmp_path / "aclImdb", n_per_class=30)
    batch_size = 16
    seed = 123
    train_ds = tf.keras.utils.text_dataset_from_directory(
        str(root / 'train'), batch_size=batch_size, validation_split=0.2,
        subset='training', seed=seed)
    val_ds = tf.keras.utils.text_dataset_from_directory(
        str(root / 'train'), batch_size=batch_size, validation_split=0.2,
        subset='validation', seed=seed)
    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)

    # Embed a 1,000 word vocabulary into 5 dimensions.
    embedding_layer = tf.keras.layers.Embedding(1000, 5)
    result = embedding_layer(tf.constant([1, 2, 3]))
    assert result.numpy().shape == (3, 5)
    result = embedding_layer(tf.constant([[0, 1, 2], [3, 4, 5]]))
    assert result.shape == (2, 3, 5)

    vocab_size = 100
    sequence_length = 20
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=vocab_size,
        output_mode='int',
        output_sequence_length=sequence_length)
    text_ds = train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(text_ds)

    embedding_dim = 16
    model = keras.Sequential([
        vectorize_layer,
        layers.Embedding(vocab_size, embedding_dim, name="embedding"),
        layers.GlobalAveragePooling1D(),
        layers.Dense(16, activation='relu'),
        layers.Dense(1)
    ])
    tensorboard_callback = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path / "logs"))
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    history = model.fit(train_ds, validation_data=val_ds, epochs=10,
                        callbacks=[tensorboard_callback], verbose=0)
    assert history.history['accuracy'][-1] > 0.8
    weights = model.get_layer('embedding').get_weights()[0]
    vocab = vectorize_layer.get_vocabulary()
    assert weights.shape == (vocab_size, embedding_dim) and len(vocab) <= vocab_size
    lines = ["\t".join(str(x) for x in weights[i]) for i, word in enumerate(vocab) if i]
    assert len(lines) == len(vocab) - 1
