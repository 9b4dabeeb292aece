"""TensorFlow's "Introduction to modules, layers and models" guide (tf.Module, variables and
submodules, lazily built modules, tf.train.Checkpoint, tf.function on __call__, Keras layers
with build, a subclassed and a functional model, .keras files) and Keras's "Making new
layers and models via subclassing" guide (add_weight, non-trainable state, nested layers,
add_loss, get_config/from_config, training-aware Dropout with a SeedGenerator), written with
keras.ops as Keras 3 code is."""

import numpy as np

import ember as tf
from ember import keras
from ember.keras import ops


class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable


class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name='w')
        self.b = tf.Variable(tf.zeros([out_features]), name='b')

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class SequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


class FlexibleDenseModule(tf.Module):
    # Note: No need for `in_features`
    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.is_built = False
        self.out_features = out_features

    def __call__(self, x):
        # Create variables on first call.
        if not self.is_built:
            self.w = tf.Variable(tf.random.normal([x.shape[-1], self.out_features]), name='w')
            self.b = tf.Variable(tf.zeros([self.out_features]), name='b')
            self.is_built = True
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = FlexibleDenseModule(out_features=3)
        self.dense_2 = FlexibleDenseModule(out_features=2)

    @tf.function
    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


class FlexibleDense(tf.keras.layers.Layer):
    # Note the added `**kwargs`, as Keras supports many arguments
    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):  # Create the state of the layer (weights)
        self.w = tf.Variable(
            tf.random.normal([input_shape[-1], self.out_features]), name='w')
        self.b = tf.Variable(tf.zeros([self.out_features]), name='b')

    def call(self, inputs):  # Defines the computation from inputs to outputs
        return tf.matmul(inputs, self.w) + self.b


class MySequentialModel(tf.keras.Model):
    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = FlexibleDense(out_features=3)
        self.dense_2 = FlexibleDense(out_features=2)

    def call(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_modules_layers_and_models_guide(tmp_path):
    simple_module = SimpleModule(name="simple")
    assert simple_module(tf.constant(5.0)).numpy() == 30.0
    assert [v.name for v in simple_module.trainable_variables] == ["train_me:0"]
    assert len(simple_module.variables) == 2

    my_model = SequentialModule(name="the_model")
    assert my_model(tf.constant([[2.0, 2.0, 2.0]])).shape == (1, 2)
    assert len(my_model.submodules) == 2
    assert len(my_model.variables) == 4

    my_model = MySequentialModule(name="the_model")
    result = my_model(tf.constant([[2.0, 2.0, 2.0]]))
    assert result.shape == (1, 2)
    assert my_model([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]).shape == (2, 2)

    chkp_path = str(tmp_path / "my_checkpoint")
    checkpoint = tf.train.Checkpoint(model=my_model)
    checkpoint.write(chkp_path)
    shapes = sorted(shape for name, shape in tf.train.list_variables(chkp_path)
                    if name.startswith("model/"))
    assert shapes == [[2], [3], [3, 2], [3, 3]]  # Ember's keys name them differently from TF
    new_model = MySequentialModule()
    new_checkpoint = tf.train.Checkpoint(model=new_model)
    new_model(tf.constant([[0.0, 0.0, 0.0]]))  # build the variables first
    new_checkpoint.restore(chkp_path)
    np.testing.assert_allclose(new_model(tf.constant([[2.0, 2.0, 2.0]])).numpy(),
                               result.numpy())

    flexible_dense = FlexibleDense(out_features=3)
    assert flexible_dense.variables == []
    out = flexible_dense(tf.constant([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]))
    assert out.shape == (2, 3) and len(flexible_dense.variables) == 2

    my_sequential_model = MySequentialModel(name="the_model")
    assert my_sequential_model(tf.constant([[2.0, 2.0, 2.0]])).shape == (1, 2)
    assert len(my_sequential_model.variables) == 4
    assert len(my_sequential_model.submodules) == 2

    inputs = tf.keras.Input(shape=[3, ])
    x = FlexibleDense(3)(inputs)
    x = FlexibleDense(2)(x)
    my_functional_model = tf.keras.Model(inputs=inputs, outputs=x)
    lines = []
    my_functional_model.summary(print_fn=lines.append)
    assert "Total params: 20" in "\n".join(lines)
    assert my_functional_model(tf.constant([[2.0, 2.0, 2.0]])).shape == (1, 2)


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                 trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


class CustomDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs, training=None):
        if training:
            return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
        return inputs


def test_making_new_layers_and_models_via_subclassing():
    x = ops.ones((2, 2))
    linear_layer = Linear(4)
    y = linear_layer(x)
    assert y.shape == (2, 4)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]

    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    y = my_sum(x)
    np.testing.assert_array_equal(ops.convert_to_numpy(y), [2.0, 2.0])
    y = my_sum(x)
    np.testing.assert_array_equal(ops.convert_to_numpy(y), [4.0, 4.0])
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1
    assert my_sum.trainable_weights == []

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6

    layer = OuterLayer()
    assert len(layer.losses) == 0  # No losses yet since the layer has never been called
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # We created one loss value
    # `layer.losses` gets reset at the start of each __call__
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # This is the loss created during the call above

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    # If there is a loss passed in `compile`, the regularization
    # losses get added to it
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    # It's also possible not to pass any loss in `compile`,
    # since the model already has a loss to minimize, via the `add_loss`
    # call during the forward pass!
    model.compile(optimizer="adam")
    history = model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    assert np.isfinite(history.history["loss"][0])

    layer = Linear(64)
    config = layer.get_config()
    assert config["units"] == 64 and config["name"] == layer.name
    new_layer = Linear.from_config(config)
    assert new_layer.units == 64

    dropout = CustomDropout(0.5)
    x = np.ones((100, 10), "float32")
    np.testing.assert_array_equal(dropout(x, training=False).numpy(), x)
    dropped = dropout(x, training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 0.35 < (dropped == 0).mean() < 0.65


def test_keras_ops_numpy_like_code():
    x = ops.arange(12, dtype="float32")
    x = ops.reshape(x, (3, 4))
    assert ops.shape(x) == (3, 4)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.mean(x, axis=0)), [4, 5, 6, 7])
    y = ops.transpose(x)
    z = ops.matmul(x, y)
    assert ops.convert_to_numpy(z).shape == (3, 3)
    s = ops.softmax(ops.convert_to_tensor([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sum(s)), 1.0, rtol=1e-6)
    values, indices = ops.top_k(ops.convert_to_tensor([3.0, 1.0, 4.0, 1.5]), k=2)
    assert ops.convert_to_numpy(indices).tolist() == [2, 0]
    mask = ops.where(x > 5, x, ops.zeros_like(x))
    assert float(ops.sum(mask)) == sum(range(6, 12))
    oh = ops.one_hot(ops.convert_to_tensor([0, 2]), 3)
    assert ops.convert_to_numpy(oh).tolist() == [[1, 0, 0], [0, 0, 1]]
    e = ops.expand_dims(x, -1)
    assert ops.squeeze(e, -1).shape == (3, 4)
    c = ops.concatenate([x, x], axis=0)
    st = ops.stack([x, x])
    assert c.shape == (6, 4) and st.shape == (2, 3, 4)
    cast = ops.cast(x, "int32")
    assert ops.dtype(cast) == "int32" if isinstance(ops.dtype(cast), str) else True
    img = ops.ones((1, 8, 8, 3))
    assert ops.image.resize(img, (4, 4)).shape == (1, 4, 4, 3)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sqrt(ops.square(ops.abs(
        ops.convert_to_tensor([-2.0, 3.0]))))), [2.0, 3.0])
    assert int(ops.argmax(ops.convert_to_tensor([1.0, 5.0, 2.0]))) == 1
    np.testing.assert_allclose(ops.convert_to_numpy(ops.relu(ops.convert_to_tensor([-1., 2.]))),
                               [0., 2.])
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sigmoid(ops.zeros((1,)))), [0.5])
    assert ops.convert_to_numpy(ops.maximum(ops.ones((2,)), 3.0)).tolist() == [3.0, 3.0]
    assert float(ops.log(ops.exp(ops.convert_to_tensor(2.0)))) == 2.0
    r = keras.random.normal((2, 3), seed=1)
    assert r.shape == (2, 3)
    u = keras.random.uniform((1000,), minval=0, maxval=2, seed=keras.random.SeedGenerator(3))
    assert 0 <= float(ops.min(u)) and float(ops.max(u)) <= 2
