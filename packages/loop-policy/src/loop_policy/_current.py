"""The module-level functions of asyncio's "Event loop policies" section.

They act on asyncio's own process-wide policy slot, not on a second one of
ours: after ``set_event_loop_policy(EventLoopPolicy())``,
``asyncio.get_event_loop()``, ``asyncio.run()``, ``asyncio.new_event_loop()``
and every library calling them agree with these functions, and
``set_event_loop_policy(None)`` brings back asyncio's default policy.

Python 3.14 deprecates the public policy functions (they warn) but keeps
non-warning private twins in ``asyncio.events``, which we use, so nothing
here warns on any Python. A Python without the policy system (3.16) has
neither: the policy functions then raise RuntimeError, while
``get_event_loop``, ``set_event_loop`` and ``new_event_loop`` keep working.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import loop_core

from ._policy import EventLoopPolicy, PolicyBase

if TYPE_CHECKING:
    from collections.abc import Callable

    PolicyGetter = Callable[[], PolicyBase]
    PolicySetter = Callable[[PolicyBase | None], None]

__all__ = [
    "get_event_loop",
    "get_event_loop_policy",
    "new_event_loop",
    "policy_slot",
    "set_event_loop",
    "set_event_loop_policy",
]

# asyncio's own function, not a wrapper: the C-accelerated get_event_loop()
# stays fast, and the DeprecationWarning of an implicitly created loop
# (3.12, 3.13) points at the caller's line under any policy, where a wrapper
# frame of ours would take the blame. It is not part of the policy system:
# 3.14 and later keep it (RuntimeError when no loop is current).
get_event_loop = asyncio.get_event_loop

NO_POLICY_SYSTEM = (
    "this Python's asyncio has no event loop policy system (removed in "
    "Python 3.16): use asyncio.Runner(loop_factory=loop_core.new_event_loop), "
    "loop_policy.run() or loop_policy.install() instead"
)


def policy_slot() -> tuple[PolicyGetter, PolicySetter] | None:
    """asyncio's getter and setter of its policy slot that do not warn, or
    None when asyncio has no policy system.

    Looked up on each call, not at import: cheap, and a test (or a program)
    that swaps asyncio's functions is seen as it is now."""
    events = asyncio.events
    get = getattr(events, "_get_event_loop_policy", None)
    put = getattr(events, "_set_event_loop_policy", None)
    if (get is None or put is None) and sys.version_info < (3, 14):
        # Up to 3.13 the public functions are the only ones, and silent.
        get = getattr(events, "get_event_loop_policy", None)
        put = getattr(events, "set_event_loop_policy", None)
    if get is None or put is None:
        return None
    return get, put


def _require_slot() -> tuple[PolicyGetter, PolicySetter]:
    slot = policy_slot()
    if slot is None:
        raise RuntimeError(NO_POLICY_SYSTEM)
    return slot


def get_event_loop_policy() -> PolicyBase:
    """asyncio's current policy (its default one made on first use);
    RuntimeError where asyncio has no policy system."""
    return _require_slot()[0]()


def set_event_loop_policy(policy: PolicyBase | None) -> None:
    """Install ``policy`` process-wide, in asyncio's slot; ``None`` restores
    asyncio's default policy (a fresh one, on next use). RuntimeError where
    asyncio has no policy system: a policy set there would be ignored."""
    put = _require_slot()[1]
    if policy is not None and not isinstance(policy, PolicyBase):
        raise TypeError(
            "policy must be an instance of AbstractEventLoopPolicy or None, "
            f"not '{type(policy).__name__}'"
        )
    put(policy)


def set_event_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Make ``loop`` the current thread's loop, as ``asyncio.set_event_loop``
    (through the current policy where there is one).

    The type is checked here too, so a third-party policy that forgets to
    check cannot end up holding a non-loop."""
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            "loop must be an instance of AbstractEventLoop or None, "
            f"not '{type(loop).__name__}'"
        )
    # Looked up now: it is the function asyncio.Runner calls too.
    asyncio.events.set_event_loop(loop)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop of ours, not made current.

    Under our policy (or a subclass) this is the policy's
    ``new_event_loop()``; under any other policy, or none, it is still
    loop-core's loop: whoever calls ``loop_policy.new_event_loop()`` asked
    for ours. From 3.14, ``install()`` makes this function asyncio's
    ``new_event_loop`` too.
    """
    slot = policy_slot()
    if slot is not None:
        policy = slot[0]()
        if isinstance(policy, EventLoopPolicy):
            return policy.new_event_loop()
    return loop_core.new_event_loop()
