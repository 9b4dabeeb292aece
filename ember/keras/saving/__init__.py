"""Saving and loading: weights files now; whole-model files grow here."""

from ember.keras.saving.weights_file import load_model, load_weights, save_model, save_weights  # noqa: F401
