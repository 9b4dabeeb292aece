"""``tf.sparse``: not supported. Ember has dense tensors only; every name here says so."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"tf.sparse.{name} is not supported: Ember has no sparse tensors. "
                         "Build the dense array with NumPy and pass it to tf.constant.")
