"""Ember: a readable deep learning framework on NumPy with the TensorFlow/Keras interface."""
