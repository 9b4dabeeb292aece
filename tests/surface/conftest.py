"""Puts this checkout's ``ember`` first on ``sys.path``, so the tests exercise the code here."""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
