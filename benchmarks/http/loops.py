"""The loops an HTTP benchmark server can run on, by the name the driver
passes (``--loop``).

Each server process runs exactly one loop for its whole life, so a loop is
chosen by name on the command line rather than by a factory object; the
names match the main suite's columns (``ours``, ``asyncio``, ``uvloop``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

LOOP_NAMES = ("asyncio", "uvloop", "ours")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def factory(name: str) -> LoopFactory:
    """The factory for ``name``; ImportError (with how to install it) when
    that loop is not installed in this Python."""
    if name == "asyncio":
        return asyncio.new_event_loop
    if name == "uvloop":
        try:
            import uvloop
        except ModuleNotFoundError as exc:
            raise ImportError("uvloop is not installed: pip install uvloop") from exc
        return uvloop.new_event_loop
    if name == "ours":
        try:
            import loop_core
            import loop_transports  # noqa: F401  (create_server on our loop)
        except ModuleNotFoundError as exc:
            raise ImportError(
                f"{exc.name} is not installed: pip install -e packages/loop-core "
                "-e packages/loop-transports"
            ) from exc
        return loop_core.new_event_loop
    raise ValueError(f"unknown loop {name!r}; known: {', '.join(LOOP_NAMES)}")
