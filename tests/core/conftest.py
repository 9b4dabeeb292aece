"""Makes ``gradcheck`` (the shared op checker in this folder) importable by the core tests.

Only this folder is added to ``sys.path``: it holds no package that could shadow an
installed one.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
