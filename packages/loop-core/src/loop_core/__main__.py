"""``python -m loop_core``: which loop methods are available, and from where."""

from __future__ import annotations

import sys

from . import __version__, extensions


def main() -> int:
    found = extensions.available()
    print(f"loop-core {__version__} on Python {sys.version.split()[0]}")
    print(f"extensions (entry point group {extensions.GROUP!r}):")
    names = sorted(set(found) | set(extensions.STUB_METHODS))
    width = max(len(n) for n in names)
    for name in names:
        if name in found:
            dist, where = found[name]
            print(f"  {name:<{width}}  {dist}  ({where})")
        else:
            print(f"  {name:<{width}}  -- {extensions.missing_message(name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
