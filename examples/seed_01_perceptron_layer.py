"""Seed listing 1: a perceptron as a Dense layer, and the same perceptron as a custom layer.

Only the import line differs from the course code (`import tensorflow as tf`).
"""
import ember as tf

# Define a single perceptron layer
perceptron = tf.keras.layers.Dense(
    units=1,           # Single output neuron
    activation='sigmoid',  # Sigmoid activation
    input_shape=(2,)   # Two input features
)

# Manual weight initialization
class CustomPerceptron(tf.keras.layers.Layer):
    def __init__(self, output_dim):
        super().__init__()
        self.output_dim = output_dim

    def build(self, input_shape):
        # Initialize weights and bias
        self.W = self.add_weight(
            shape=(input_shape[-1], self.output_dim),
            initializer='random_normal',
            trainable=True
        )
        self.b = self.add_weight(
            shape=(self.output_dim,),
            initializer='zeros',
            trainable=True
        )

    def call(self, inputs):
        # Forward propagation
        z = tf.matmul(inputs, self.W) + self.b
        return tf.nn.sigmoid(z)


if __name__ == "__main__":
    # Not part of the listing: show both layers on the seed's student (4 lectures, 2 hours).
    x = tf.constant([[4.0, 2.0]])
    print("Dense perceptron output:", perceptron(x).numpy())
    custom = CustomPerceptron(1)
    print("CustomPerceptron output:", custom(x).numpy())
