"""Time series programs: TensorFlow's time series forecasting tutorial (WindowGenerator over
timeseries_dataset_from_array, a Baseline model, Dense/LSTM single-step models, multi-step
Lambda/Reshape models, the autoregressive FeedBack model with LSTMCell) and the Coursera
course's windowed_dataset (Dataset.window / flat_map) with a Bidirectional LSTM. A
weather-like series stands in for the Jena climate CSV."""

import numpy as np

import ember as tf


def weather(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    temp = 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, n)
    pressure = 0.3 * temp + rng.normal(0, 0.5, n)
    wind = np.cos(2 * np.pi * t / 24) + rng.normal(0, 0.3, n)
    data = np.stack([pressure, temp, wind], axis=1).astype(np.float32)
    columns = ['p (mbar)', 'T (degC)', 'wv (m/s)']
    return data, columns


class WindowGenerator:
    def __init__(self, input_width, label_width, shift, train_df, val_df, test_df,
                 columns, label_columns=None):
        # Store the raw data.
        self.train_df = train_df
        self.val_df = val_df
        self.test_df = test_df
        # Work out the label column indices.
        self.label_columns = label_columns
        if label_columns is not None:
            self.label_columns_indices = {name: i for i, name in enumerate(label_columns)}
        self.column_indices = {name: i for i, name in enumerate(columns)}
        # Work out the window parameters.
        self.input_width = input_width
        self.label_width = label_width
        self.shift = shift
        self.total_window_size = input_width + shift
        self.input_slice = slice(0, input_width)
        self.input_indices = np.arange(self.total_window_size)[self.input_slice]
        self.label_start = self.total_window_size - self.label_width
        self.labels_slice = slice(self.label_start, None)
        self.label_indices = np.arange(self.total_window_size)[self.labels_slice]

    def split_window(self, features):
        inputs = features[:, self.input_slice, :]
        labels = features[:, self.labels_slice, :]
        if self.label_columns is not None:
            labels = tf.stack(
                [labels[:, :, self.column_indices[name]] for name in self.label_columns],
                axis=-1)
        # Slicing doesn't preserve static shape information, so set the shapes
        # manually. This way the `tf.data.Datasets` are easier to inspect.
        inputs.set_shape([None, self.input_width, None])
        labels.set_shape([None, self.label_width, None])
        return inputs, labels

    def make_dataset(self, data):
        data = np.array(data, dtype=np.float32)
        ds = tf.keras.utils.timeseries_dataset_from_array(
            data=data,
            targets=None,
            sequence_length=self.total_window_size,
            sequence_stride=1,
            shuffle=True,
            batch_size=32,)
        ds = ds.map(self.split_window)
        return ds

    @property
    def train(self):
        return self.make_dataset(self.train_df)

    @property
    def val(self):
        return self.make_dataset(self.val_df)

    @property
    def test(self):
        return self.make_dataset(self.test_df)

    @property
    def example(self):
        """Get and cache an example batch of `inputs, labels` for plotting."""
        result = getattr(self, '_example', None)
        if result is None:
            # No example batch was found, so get one from the `.train` dataset
            result = next(iter(self.train))
            # And cache it for next time
            self._example = result
        return result


class Baseline(tf.keras.Model):
    def __init__(self, label_index=None):
        super().__init__()
        self.label_index = label_index

    def call(self, inputs):
        if self.label_index is None:
            return inputs
        result = inputs[:, :, self.label_index]
        return result[:, :, tf.newaxis]


MAX_EPOCHS = 4


def compile_and_fit(model, window, patience=2):
    early_stopping = tf.keras.callbacks.EarlyStopping(monitor='val_loss',
                                                      patience=patience,
                                                      mode='min')
    model.compile(loss=tf.keras.losses.MeanSquaredError(),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                  metrics=[tf.keras.metrics.MeanAbsoluteError()])
    history = model.fit(window.train, epochs=MAX_EPOCHS,
                        validation_data=window.val,
                        callbacks=[early_stopping], verbose=0)
    return history


def split_and_normalize():
    data, columns = weather()
    n = len(data)
    train_df = data[0:int(n * 0.7)]
    val_df = data[int(n * 0.7):int(n * 0.9)]
    test_df = data[int(n * 0.9):]
    train_mean = train_df.mean(axis=0)
    train_std = train_df.std(axis=0)
    train_df = (train_df - train_mean) / train_std
    val_df = (val_df - train_mean) / train_std
    test_df = (test_df - train_mean) / train_std
    return train_df, val_df, test_df, columns


def test_time_series_tutorial_single_step_models():
    train_df, val_df, test_df, columns = split_and_normalize()
    w2 = WindowGenerator(input_width=6, label_width=1, shift=1, train_df=train_df,
                         val_df=val_df, test_df=test_df, columns=columns,
                         label_columns=['T (degC)'])
    # Stack three slices, the length of the total window.
    example_window = tf.stack([np.array(train_df[:w2.total_window_size]),
                               np.array(train_df[100:100 + w2.total_window_size]),
                               np.array(train_df[200:200 + w2.total_window_size])])
    example_inputs, example_labels = w2.split_window(example_window)
    assert example_window.shape == (3, 7, 3)
    assert example_inputs.shape == (3, 6, 3) and example_labels.shape == (3, 1, 1)
    spec = w2.train.element_spec
    assert spec[0].shape.as_list() == [None, 6, 3] and spec[1].shape.as_list() == [None, 1, 1]

    column_indices = {name: i for i, name in enumerate(columns)}
    single_step_window = WindowGenerator(input_width=1, label_width=1, shift=1,
                                         train_df=train_df, val_df=val_df, test_df=test_df,
                                         columns=columns, label_columns=['T (degC)'])
    baseline = Baseline(label_index=column_indices['T (degC)'])
    baseline.compile(loss=tf.keras.losses.MeanSquaredError(),
                     metrics=[tf.keras.metrics.MeanAbsoluteError()])
    val_performance = {}
    val_performance['Baseline'] = baseline.evaluate(single_step_window.val, verbose=0)

    wide_window = WindowGenerator(input_width=24, label_width=24, shift=1,
                                  train_df=train_df, val_df=val_df, test_df=test_df,
                                  columns=columns, label_columns=['T (degC)'])
    assert baseline(wide_window.example[0]).shape == (32, 24, 1)

    dense = tf.keras.Sequential([
        tf.keras.layers.Dense(units=16, activation='relu'),
        tf.keras.layers.Dense(units=1)
    ])
    compile_and_fit(dense, single_step_window)
    val_performance['Dense'] = dense.evaluate(single_step_window.val, verbose=0)

    lstm_model = tf.keras.models.Sequential([
        # Shape [batch, time, features] => [batch, time, lstm_units]
        tf.keras.layers.LSTM(16, return_sequences=True),
        # Shape => [batch, time, features]
        tf.keras.layers.Dense(units=1)
    ])
    assert lstm_model(wide_window.example[0]).shape == (32, 24, 1)
    history = compile_and_fit(lstm_model, wide_window)
    assert history.history['val_loss'][-1] < history.history['val_loss'][0]
    val_performance['LSTM'] = lstm_model.evaluate(wide_window.val, verbose=0)
    assert val_performance['LSTM'][1] < 0.5  # MAE on normalised temperature


class FeedBack(tf.keras.Model):
    def __init__(self, units, out_steps, num_features):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = tf.keras.layers.LSTMCell(units)
        # Also wrap the LSTMCell in an RNN to simplify the `warmup` method.
        self.lstm_rnn = tf.keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = tf.keras.layers.Dense(num_features)

    def warmup(self, inputs):
        # inputs.shape => (batch, time, features)
        # x.shape => (batch, lstm_units)
        x, *state = self.lstm_rnn(inputs)
        # predictions.shape => (batch, features)
        prediction = self.dense(x)
        return prediction, state

    def call(self, inputs, training=None):
        # Use a TensorArray to capture dynamically unrolled outputs.
        predictions = []
        # Initialize the LSTM state.
        prediction, state = self.warmup(inputs)
        # Insert the first prediction.
        predictions.append(prediction)
        # Run the rest of the prediction steps.
        for n in range(1, self.out_steps):
            # Use the last prediction as input.
            x = prediction
            # Execute one lstm step.
            x, state = self.lstm_cell(x, states=state, training=training)
            # Convert the lstm output to a prediction.
            prediction = self.dense(x)
            # Add the prediction to the output.
            predictions.append(prediction)
        # predictions.shape => (time, batch, features)
        predictions = tf.stack(predictions)
        # predictions.shape => (batch, time, features)
        predictions = tf.transpose(predictions, [1, 0, 2])
        return predictions


def test_time_series_tutorial_multi_step_models():
    train_df, val_df, test_df, columns = split_and_normalize()
    OUT_STEPS = 6
    num_features = train_df.shape[1]
    multi_window = WindowGenerator(input_width=12, label_width=OUT_STEPS, shift=OUT_STEPS,
                                   train_df=train_df, val_df=val_df, test_df=test_df,
                                   columns=columns)
    multi_linear_model = tf.keras.Sequential([
        # Take the last time-step.
        # Shape [batch, time, features] => [batch, 1, features]
        tf.keras.layers.Lambda(lambda x: x[:, -1:, :]),
        # Shape => [batch, 1, out_steps*features]
        tf.keras.layers.Dense(OUT_STEPS * num_features,
                              kernel_initializer=tf.initializers.zeros()),
        # Shape => [batch, out_steps, features]
        tf.keras.layers.Reshape([OUT_STEPS, num_features])
    ])
    history = compile_and_fit(multi_linear_model, multi_window)
    assert multi_linear_model(multi_window.example[0]).shape == (32, OUT_STEPS, num_features)
    assert history.history['loss'][-1] < history.history['loss'][0]

    feedback_model = FeedBack(units=16, out_steps=OUT_STEPS, num_features=num_features)
    prediction, state = feedback_model.warmup(multi_window.example[0])
    assert prediction.shape == (32, num_features) and len(state) == 2
    assert feedback_model(multi_window.example[0]).shape == (32, OUT_STEPS, num_features)
    history = compile_and_fit(feedback_model, multi_window)
    assert history.history['val_loss'][-1] < history.history['val_loss'][0]


def windowed_dataset(series, window_size, batch_size, shuffle_buffer):
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(window_size + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(window_size + 1))
    dataset = dataset.shuffle(shuffle_buffer).map(lambda window: (window[:-1], window[-1]))
    dataset = dataset.batch(batch_size).prefetch(1)
    return dataset


def test_coursera_windowed_dataset_bidirectional_lstm():
    time = np.arange(400, dtype="float32")
    series = (10 + 0.05 * time + 5 * np.sin(time / 5)).astype("float32")
    window_size = 12
    batch_size = 32
    shuffle_buffer_size = 100
    tf.keras.utils.set_random_seed(0)
    dataset = windowed_dataset(series[:320], window_size, batch_size, shuffle_buffer_size)
    for x, y in dataset.take(1):
        assert x.shape == (32, window_size) and y.shape == (32,)
    model = tf.keras.models.Sequential([
        tf.keras.layers.Lambda(lambda x: tf.expand_dims(x, axis=-1),
                               input_shape=[window_size]),
        tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(8, return_sequences=True)),
        tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(8)),
        tf.keras.layers.Dense(1),
        tf.keras.layers.Lambda(lambda x: x * 10.0)
    ])
    lr_schedule = tf.keras.callbacks.LearningRateScheduler(
        lambda epoch: 1e-3 * 10**(epoch / 20))
    optimizer = tf.keras.optimizers.SGD(momentum=0.9)
    model.compile(loss=tf.keras.losses.Huber(), optimizer=optimizer, metrics=["mae"])
    history = model.fit(dataset, epochs=3, callbacks=[lr_schedule], verbose=0)
    assert np.allclose(history.history['learning_rate'],
                       [1e-3 * 10**(e / 20) for e in range(3)], rtol=1e-5)
    model.compile(loss=tf.keras.losses.Huber(),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), metrics=["mae"])
    history = model.fit(dataset, epochs=12, verbose=0)
    assert history.history['mae'][-1] < history.history['mae'][0]
    forecast = []
    for t in range(320, 330):
        forecast.append(model.predict(series[t - window_size:t][np.newaxis], verbose=0))
    forecast = np.array(forecast)[:, 0, 0]
    assert forecast.shape == (10,)
    mae = tf.keras.metrics.mean_absolute_error(series[320:330], forecast).numpy()
    assert mae < 4.0
