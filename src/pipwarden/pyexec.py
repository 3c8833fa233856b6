"""Running code in a target interpreter without importing from the current directory.

``python -c CODE`` and ``python -m pip`` put the current directory first on ``sys.path``, so
a ``pip/`` folder or a ``json.py`` in the project being audited or installed would run instead
of the real module. Every script pipwarden runs in another interpreter starts with
:data:`SAFE_PATH` (Python 3.11's ``-P``, for every version).
"""

from __future__ import annotations

SAFE_PATH = "import sys\nif sys.path and sys.path[0] in ('', '.'):\n    del sys.path[0]\n"

_PIP = SAFE_PATH + "from pip._internal.cli.main import main\nsys.exit(main())\n"


def pip_argv(python: str) -> list[str]:
    """``python -m pip`` without the current directory on ``sys.path`` (append pip's args)."""
    return [python, "-c", _PIP]
