"""``run()``: ``asyncio.run()`` on our loop, whatever policy is installed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import loop_core

__all__ = ["run"]

_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T], *, debug: bool | None = None) -> _T:
    """Run the coroutine ``main`` to completion on a new loop-core loop and
    return its result.

    asyncio.Runner does the work, so the ending is asyncio.run()'s exactly:
    leftover tasks are cancelled and awaited, async generators finalized,
    the default executor shut down, the loop closed; Ctrl-C cancels
    ``main`` and then raises KeyboardInterrupt. The loop comes from
    ``loop_factory``, never from the policy, so it is ours even without
    ``install()`` and the current-loop slot is left alone.
    """
    if asyncio.events._get_running_loop() is not None:
        # Before the Runner exists: the same fast failure as asyncio.run().
        raise RuntimeError(
            "loop_policy.run() cannot be called from a running event loop"
        )
    with asyncio.Runner(debug=debug, loop_factory=loop_core.new_event_loop) as runner:
        return runner.run(main)
