"""Keras API of Ember."""
