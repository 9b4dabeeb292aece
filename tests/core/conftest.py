"""Makes ``gradcheck`` (the shared op checker) and this checkout's ``ember`` importable.

The repository root goes first on ``sys.path`` so the tests always exercise the code
next to them, installed into the environment or not.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))
for _p in (_HERE, _ROOT):
    if _p not in sys.path:
        sys.path.insert(0, _p)
