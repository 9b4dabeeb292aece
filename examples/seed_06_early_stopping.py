"""Seed listing 6: stop when the validation loss stops improving."""
import ember as tf

early_stopping = tf.keras.callbacks.EarlyStopping(
    monitor='val_loss',
    patience=5,
    restore_best_weights=True
)

if __name__ == "__main__":
    print(early_stopping.monitor, early_stopping.patience, early_stopping.restore_best_weights)
