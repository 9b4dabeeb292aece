"""``tf.version``: Ember's own version, and the TensorFlow release whose API it follows.

``VERSION`` equals ``ember.__version__`` (as ``tf.version.VERSION`` equals
``tf.__version__``); ``TF_API_VERSION`` names the TensorFlow/Keras releases whose
behaviour Ember matches.
"""

VERSION = "0.1.0"
TF_API_VERSION = "2.21.0"
KERAS_API_VERSION = "3"
GIT_VERSION = "unknown"  # Ember is not built from a tagged TensorFlow source tree
COMPILER_VERSION = "none (pure Python on NumPy)"
GRAPH_DEF_VERSION = 0
