"""Every differentiable primitive: forward on NumPy arrays, gradient rule right beside it.

Each module keeps its export list in ``__all__``; this package, ``ember`` itself and the
``tf.math`` / ``tf.nn`` / ``tf.linalg`` namespaces are built from those lists. Importing
the package also binds Tensor's operators (``ember/ops/operators.py``).
"""

from ember.ops import array, clip, linalg, math, nn, operators, reduce, scatter  # noqa: F401
from ember.ops.array import *  # noqa: F403
from ember.ops.clip import *  # noqa: F403
from ember.ops.linalg import *  # noqa: F403
from ember.ops.math import *  # noqa: F403
from ember.ops.nn import *  # noqa: F403
from ember.ops.reduce import *  # noqa: F403
from ember.ops.scatter import *  # noqa: F403
from ember.tensor import Tensor, constant, convert_to_tensor

# The submodules stay out: ``from ember.ops import *`` (in ember/__init__.py) must not
# replace the ``tf.math``, ``tf.nn`` and ``tf.linalg`` namespaces of the same names.
__all__ = [*array.__all__, *math.__all__, *reduce.__all__, *nn.__all__, *linalg.__all__,
           *clip.__all__, *scatter.__all__,
           "Tensor", "constant", "convert_to_tensor"]
