"""TensorFlow's error classes (``tf.errors.InvalidArgumentError``, ...)."""


class OpError(Exception):
    """An op could not run on the values it was given."""


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot work with (wrong shape, dtype or value)."""


class NotFoundError(OpError, FileNotFoundError):
    """A named thing (file, op rule) does not exist."""


class ResourceExhaustedError(OpError, MemoryError):
    """Not enough memory for the requested computation."""
