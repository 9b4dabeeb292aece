"""Seed listing 2: a Sequential model that narrows 784 -> 128 -> 64 -> 32 -> 10."""
import ember as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(128, activation='relu', input_shape=(784,)),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(32, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax')  # 10-class classification
])

if __name__ == "__main__":
    model.summary()
