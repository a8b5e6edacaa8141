"""Exit with a clear message unless this interpreter is Python 3.11 or newer."""

import sys

if sys.version_info < (3, 11):
    sys.exit(
        f"Python {sys.version.split()[0]} is too old: the suite needs 3.11 or newer. "
        "Run make with PYTHON=python3.11 (or a newer interpreter)."
    )
