"""Seed listing 4: Adam with its usual settings."""
import ember as tf

# Adam optimizer with adaptive learning rate
optimizer = tf.keras.optimizers.Adam(
    learning_rate=0.001,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-7
)

if __name__ == "__main__":
    print(optimizer.get_config())
