"""The module-level functions of asyncio's "Event loop policies" section.

They act on asyncio's own process-wide policy slot, not on a second one of
ours: after ``install()`` (or ``set_event_loop_policy(EventLoopPolicy())``)
``asyncio.get_event_loop()``, ``asyncio.run()``, ``asyncio.new_event_loop()``
and every library calling them agree with these functions, and
``set_event_loop_policy(None)`` brings back asyncio's default policy.
"""

from __future__ import annotations

import asyncio

import loop_core

from ._policy import EventLoopPolicy, PolicyBase

__all__ = [
    "get_event_loop",
    "get_event_loop_policy",
    "install",
    "new_event_loop",
    "set_event_loop",
    "set_event_loop_policy",
]

# asyncio's own functions, not wrappers: they read the same slot, the
# C-accelerated get_event_loop() stays fast, and the DeprecationWarning of
# an implicitly created loop (3.12+) points at the caller's line under any
# policy, where a wrapper frame of ours would take the blame.
get_event_loop = asyncio.get_event_loop
get_event_loop_policy = asyncio.get_event_loop_policy


def set_event_loop_policy(policy: PolicyBase | None) -> None:
    """Install ``policy`` process-wide, in asyncio's slot; ``None`` restores
    asyncio's default policy (a fresh one, on next use)."""
    if policy is not None and not isinstance(policy, PolicyBase):
        raise TypeError(
            "policy must be an instance of AbstractEventLoopPolicy or None, "
            f"not '{type(policy).__name__}'"
        )
    asyncio.set_event_loop_policy(policy)


def set_event_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Make ``loop`` the current thread's loop under the current policy.

    The type is checked here too, so a third-party policy that forgets to
    check cannot end up holding a non-loop."""
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            "loop must be an instance of AbstractEventLoop or None, "
            f"not '{type(loop).__name__}'"
        )
    asyncio.get_event_loop_policy().set_event_loop(loop)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop of ours, not made current.

    Under our policy (or a subclass) this is the policy's
    ``new_event_loop()``; under any other policy it is still loop-core's
    loop: whoever calls ``loop_policy.new_event_loop()`` asked for ours.
    """
    policy = asyncio.get_event_loop_policy()
    if isinstance(policy, EventLoopPolicy):
        return policy.new_event_loop()
    return loop_core.new_event_loop()


def install() -> EventLoopPolicy:
    """Make our policy asyncio's, so ``asyncio.run()`` and libraries calling
    ``asyncio.new_event_loop()`` get our loop; returns the installed policy.

    Idempotent: when an ``EventLoopPolicy`` (or subclass) is already
    installed it is kept, with the current loops it holds. Undo with
    ``set_event_loop_policy(None)``.
    """
    policy = asyncio.get_event_loop_policy()
    if isinstance(policy, EventLoopPolicy):
        return policy
    ours = EventLoopPolicy()
    asyncio.set_event_loop_policy(ours)
    return ours
