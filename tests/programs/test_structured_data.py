"""TensorFlow's "Classify structured data using Keras preprocessing layers" (the PetFinder
tutorial): a dict-of-columns dataset, Normalization adapted per numeric column,
IntegerLookup/StringLookup + CategoryEncoding per categorical column, a functional model
over many named Inputs, predicting from a dict of tensors. pandas is not installed here: a
dict of NumPy columns stands in for the DataFrame (``value.to_numpy()`` is the column)."""

import numpy as np

import ember as tf
from ember.keras import layers


def petfinder_like(n=600, seed=0):
    rng = np.random.default_rng(seed)
    photo = rng.integers(0, 10, n).astype(np.float64)
    fee = rng.choice([0.0, 50.0, 100.0, 150.0], n)
    age = rng.integers(1, 30, n)
    kind = rng.choice(["Dog", "Cat"], n)
    color = rng.choice(["Black", "Brown", "White", "Golden"], n)
    score = 0.3 * photo - 0.01 * fee + (kind == "Cat") * 1.5 + (color == "Black") * -1.0
    target = (score + rng.normal(0, 0.3, n) > np.median(score)).astype(np.int64)
    return {"PhotoAmt": photo, "Fee": fee, "Age": age, "Type": kind, "Color1": color,
            "target": target}


def df_to_dataset(dataframe, shuffle=True, batch_size=32):
    df = dict(dataframe)
    labels = df.pop('target')
    df = {key: value[:, tf.newaxis] for key, value in df.items()}
    ds = tf.data.Dataset.from_tensor_slices((dict(df), labels))
    if shuffle:
        ds = ds.shuffle(buffer_size=len(labels))
    ds = ds.batch(batch_size)
    ds = ds.prefetch(batch_size)
    return ds


def get_normalization_layer(name, dataset):
    # Create a Normalization layer for the feature.
    normalizer = layers.Normalization(axis=None)
    # Prepare a Dataset that only yields the feature.
    feature_ds = dataset.map(lambda x, y: x[name])
    # Learn the statistics of the data.
    normalizer.adapt(feature_ds)
    return normalizer


def get_category_encoding_layer(name, dataset, dtype, max_tokens=None):
    # Create a layer that turns strings into integer indices.
    if dtype == 'string':
        index = layers.StringLookup(max_tokens=max_tokens)
    # Otherwise, create a layer that turns integer values into integer indices.
    else:
        index = layers.IntegerLookup(max_tokens=max_tokens)
    # Prepare a `tf.data.Dataset` that only yields the feature.
    feature_ds = dataset.map(lambda x, y: x[name])
    # Learn the set of possible values and assign them a fixed integer index.
    index.adapt(feature_ds)
    # Encode the integer indices.
    encoder = layers.CategoryEncoding(num_tokens=index.vocabulary_size())
    # Apply multi-hot encoding to the indices. The lambda function captures the
    # layer, so you can use them, or include them in the Keras Functional model later.
    return lambda feature: encoder(index(feature))


def test_structured_data_with_preprocessing_layers():
    data = petfinder_like()
    n = len(data["target"])
    train = {k: v[:int(0.8 * n)] for k, v in data.items()}
    val = {k: v[int(0.8 * n):int(0.9 * n)] for k, v in data.items()}
    test = {k: v[int(0.9 * n):] for k, v in data.items()}
    batch_size = 5
    train_ds = df_to_dataset(train, batch_size=batch_size)
    [(train_features, label_batch)] = train_ds.take(1)
    assert list(train_features.keys()) == ['PhotoAmt', 'Fee', 'Age', 'Type', 'Color1']
    assert train_features['Age'].shape == (5, 1)

    photo_count_col = train_features['PhotoAmt']
    layer = get_normalization_layer('PhotoAmt', train_ds)
    assert layer(photo_count_col).shape == (5, 1)
    test_type_col = train_features['Type']
    test_type_layer = get_category_encoding_layer(name='Type', dataset=train_ds,
                                                  dtype='string')
    encoded = test_type_layer(test_type_col)
    assert encoded.shape == (5, 3)  # [UNK], and the two types
    np.testing.assert_array_equal(encoded.numpy().sum(axis=1), 1)
    test_age_col = train_features['Age']
    test_age_layer = get_category_encoding_layer(name='Age', dataset=train_ds,
                                                 dtype='int64', max_tokens=5)
    assert test_age_layer(test_age_col).shape == (5, 5)

    batch_size = 32
    train_ds = df_to_dataset(train, batch_size=batch_size)
    val_ds = df_to_dataset(val, shuffle=False, batch_size=batch_size)
    test_ds = df_to_dataset(test, shuffle=False, batch_size=batch_size)
    all_inputs = []
    encoded_features = []
    # Numerical features.
    for header in ['PhotoAmt', 'Fee']:
        numeric_col = tf.keras.Input(shape=(1,), name=header)
        normalization_layer = get_normalization_layer(header, train_ds)
        encoded_numeric_col = normalization_layer(numeric_col)
        all_inputs.append(numeric_col)
        encoded_features.append(encoded_numeric_col)
    age_col = tf.keras.Input(shape=(1,), name='Age', dtype='int64')
    encoding_layer = get_category_encoding_layer(name='Age', dataset=train_ds, dtype='int64',
                                                 max_tokens=5)
    encoded_age_col = encoding_layer(age_col)
    all_inputs.append(age_col)
    encoded_features.append(encoded_age_col)
    categorical_cols = ['Type', 'Color1']
    for header in categorical_cols:
        categorical_col = tf.keras.Input(shape=(1,), name=header, dtype='string')
        encoding_layer = get_category_encoding_layer(name=header, dataset=train_ds,
                                                     dtype='string', max_tokens=5)
        encoded_categorical_col = encoding_layer(categorical_col)
        all_inputs.append(categorical_col)
        encoded_features.append(encoded_categorical_col)

    all_features = tf.keras.layers.concatenate(encoded_features)
    x = tf.keras.layers.Dense(32, activation="relu")(all_features)
    x = tf.keras.layers.Dropout(0.5)(x)
    output = tf.keras.layers.Dense(1)(x)
    model = tf.keras.Model(all_inputs, output)
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(train_ds, epochs=20, validation_data=val_ds, verbose=0)
    result = model.evaluate(test_ds, return_dict=True, verbose=0)
    assert result["accuracy"] > 0.7

    sample = {
        'Type': 'Cat',
        'Age': 3,
        'Color1': 'White',
        'Fee': 100,
        'PhotoAmt': 2,
    }
    input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
    predictions = model.predict(input_dict, verbose=0)
    prob = tf.nn.sigmoid(predictions[0])
    message = ("This particular pet had a %.1f percent probability "
               "of getting adopted." % (100 * prob))
    assert message.startswith("This particular pet had a ")
