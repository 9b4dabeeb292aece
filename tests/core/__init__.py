"""Tests that prove Ember's core: tensors, ops, gradients, the tape."""
