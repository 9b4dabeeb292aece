"""Seed listing 7: an L2 weight penalty on a Dense layer."""
import ember as tf

layer = tf.keras.layers.Dense(
    64,
    activation='relu',
    kernel_regularizer=tf.keras.regularizers.l2(0.001)
)

if __name__ == "__main__":
    layer.build((None, 784))
    print("L2 penalty of the initial kernel:", float(layer.losses[0]))
