"""Puts this checkout first on ``sys.path``, so the tests exercise the ``ember`` beside them.

Test modules are imported with pytest's ``--import-mode=importlib`` (pyproject.toml): no
test folder lands on ``sys.path``, so ``tests/keras`` can never shadow the real ``keras``
package, which the reference checks and the model-file tests import.
"""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
