"""``python -m loop_core``: what is installed, which loop methods it gives,
and where each comes from; the first thing to paste into a bug report."""

from __future__ import annotations

import platform
import sys

from . import __version__, extensions
from ._loop import new_event_loop

# The project's distributions, in the order the README lists them.
DISTRIBUTIONS = (
    "loop-core",
    "loop-transports",
    "loop-subprocess",
    "loop-policy",
    "loop-streams",
    "loop-observe",
    "loop-all",
)


def _installed() -> list[tuple[str, str | None]]:
    """Each of our distributions with its version (None: not installed),
    then any other distribution that provides loop methods (a plugin)."""
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    found = [(name, version(name)) for name in DISTRIBUTIONS]
    plugins = sorted(
        {
            dist
            for dist, _ in extensions.available().values()
            if dist not in DISTRIBUTIONS
            and dist != "registered"
            and not dist.startswith("CONFLICT")
        }
    )
    return found + [(name, version(name)) for name in plugins]


def _poller() -> str:
    loop = new_event_loop()
    try:
        return type(loop._poller).__name__.removesuffix("Poller").lower()
    finally:
        loop.close()


def main() -> int:
    print(
        f"loop-core {__version__} on {platform.python_implementation()} "
        f"{platform.python_version()} ({sys.platform}), poller: {_poller()}"
    )
    print("distributions:")
    installed = _installed()
    width = max(len(name) for name, _ in installed)
    for name, version in installed:
        print(f"  {name:<{width}}  {version or '-- not installed'}")
    found = extensions.available()
    print(f"loop methods from extensions (entry point group {extensions.GROUP!r}):")
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
