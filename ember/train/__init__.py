"""``tf.train``: Checkpoint, CheckpointManager and latest_checkpoint.

Ember's own file format underneath (a NumPy ``.npz`` per checkpoint plus a JSON index);
it is not TensorFlow's and TensorFlow cannot read it, nor Ember TensorFlow's. See
``checkpoint.py``.
"""

from ember.train.checkpoint import (  # noqa: F401
    Checkpoint,
    CheckpointManager,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
    load_variable,
)
