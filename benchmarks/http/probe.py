"""What one interpreter can serve: run by the driver in each Python (inside
the chroot for PyPy) before any server starts, so a loop or framework that
is not installed there becomes a skip with its reason, not a failed sample.

Prints one JSON object: the interpreter, and for each loop and each server
module ``null`` (usable) or why not.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys

from loops import LOOP_NAMES, factory

SERVER_MODULES = ("aiohttp", "uvicorn", "httptools")


def why_not_loop(name: str) -> str | None:
    if name == "uvloop" and platform.python_implementation() != "CPython":
        return "uvloop supports CPython only"
    try:
        factory(name)
    except ImportError as exc:
        return str(exc)
    return None


def why_not_module(name: str) -> str | None:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        return f"{name} is not installed in {sys.prefix} ({exc})"
    return None


def main() -> None:
    version = platform.python_version_tuple()
    info = {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "short": f"{platform.python_implementation()} {version[0]}.{version[1]}",
        "executable": sys.executable,
        "loops": {name: why_not_loop(name) for name in LOOP_NAMES},
        "modules": {name: why_not_module(name) for name in SERVER_MODULES},
    }
    print(json.dumps(info))


if __name__ == "__main__":
    main()
