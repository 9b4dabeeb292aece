"""Seed listing 5: Dropout between Dense layers."""
import ember as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dropout(0.3),  # 30% dropout rate
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dropout(0.3),
    tf.keras.layers.Dense(10, activation='softmax')
])

if __name__ == "__main__":
    model.build((None, 784))
    model.summary()
