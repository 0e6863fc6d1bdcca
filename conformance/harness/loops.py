"""The loops a run can target: ``--loop loop_core`` (default) or ``asyncio``.

``asyncio`` is the baseline: asyncio's own ``SelectorEventLoop`` under the
very same harness. A test that fails there is a problem of the harness or
of the machine, not of loop_core.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Factory = Callable[[], asyncio.AbstractEventLoop]

LOOPS = ("loop_core", "asyncio")


def factory(name: str) -> Factory:
    """The loop factory for ``--loop name``."""
    if name == "loop_core":
        import loop_core

        return loop_core.new_event_loop
    if name == "asyncio":
        return asyncio.SelectorEventLoop
    raise ValueError(f"unknown loop {name!r}: choose from {', '.join(LOOPS)}")


def loop_class(name: str) -> type[asyncio.AbstractEventLoop]:
    """The class every loop a test makes must be an instance of."""
    if name == "loop_core":
        import loop_core

        return loop_core.EventLoop
    if name == "asyncio":
        return asyncio.SelectorEventLoop
    raise ValueError(f"unknown loop {name!r}: choose from {', '.join(LOOPS)}")


def version(name: str) -> str:
    """The version of the loop implementation, for the report."""
    if name == "loop_core":
        from importlib import metadata

        try:
            return metadata.version("loop-core")
        except metadata.PackageNotFoundError:
            import loop_core

            return str(getattr(loop_core, "__version__", "source tree"))
    import platform

    return platform.python_version()
