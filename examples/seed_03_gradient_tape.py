"""Seed listing 3: one step of gradient descent written out with GradientTape.

The listing uses names the course defines elsewhere (model, data, loss, optimizer); the
set-up block gives them small real values so the program runs on its own.
"""
import numpy as np

import ember as tf

# --- set-up (not in the listing) -------------------------------------------------------
rng = np.random.default_rng(0)
x_train = rng.normal(size=(64, 784)).astype("float32")
y_train = rng.integers(0, 10, size=64)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation='relu', input_shape=(784,)),
    tf.keras.layers.Dense(10, activation='softmax'),
])
loss_function = tf.keras.losses.SparseCategoricalCrossentropy()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
loss_before = float(loss_function(y_train, model(x_train)))

# --- the listing -------------------------------------------------------------------------
# TensorFlow automatic differentiation
with tf.GradientTape() as tape:
    predictions = model(x_train)
    loss = loss_function(y_train, predictions)

# Compute gradients
gradients = tape.gradient(loss, model.trainable_variables)

# Apply gradients
optimizer.apply_gradients(zip(gradients, model.trainable_variables))

# --- check (not in the listing) ----------------------------------------------------------
loss_after = float(loss_function(y_train, model(x_train)))
if __name__ == "__main__":
    print(f"loss before the step: {loss_before:.4f}, after: {loss_after:.4f}")
