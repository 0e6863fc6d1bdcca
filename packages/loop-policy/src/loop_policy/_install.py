"""``install()`` / ``uninstall()``: make loop-core's loop asyncio's default.

Two mechanisms, one per era of asyncio:

- Up to Python 3.13 the policy decides which loop ``asyncio.run()``,
  ``asyncio.Runner()`` and ``asyncio.new_event_loop()`` make, and also
  makes the main thread's implicit loop for ``asyncio.get_event_loop()``
  (3.11-3.13). Installing our ``EventLoopPolicy`` covers all of these.
- From 3.14 the policy system is deprecated (every public name warns) and
  3.16 removes it. What is left that every loop-making path goes through
  is ``asyncio.events.new_event_loop``: ``asyncio.Runner`` (and so
  ``asyncio.run()``) looks it up in ``asyncio.events`` at the time it
  needs a loop, and ``asyncio.new_event_loop`` is the same function
  re-exported. So ``install()`` replaces it, in both modules, with
  ``loop_policy.new_event_loop``, and never touches the policy slot; with
  no implicit loop any more, the current-loop functions need nothing.

The same hook is used on an older Python whose asyncio lacks the policy
system (only seen in tests that simulate 3.16).
"""

from __future__ import annotations

import asyncio
import sys
import types
from typing import TYPE_CHECKING

from ._current import new_event_loop, policy_slot
from ._policy import EventLoopPolicy

if TYPE_CHECKING:
    from ._current import PolicyGetter, PolicySetter

__all__ = ["install", "uninstall"]

# The attribute replaced in each hooked module, and what it was before
# install(), for uninstall(). Empty while the hook is not installed.
_HOOKED = "new_event_loop"
_originals: dict[str, object] = {}


def _hooked_modules() -> tuple[types.ModuleType, ...]:
    # asyncio.events first: it is what asyncio.Runner calls.
    return (asyncio.events, asyncio)


def _policy_mechanism() -> tuple[PolicyGetter, PolicySetter] | None:
    """asyncio's policy slot where the policy is the mechanism (before
    3.14, with a policy system present), else None: use the hook."""
    if sys.version_info >= (3, 14):
        return None
    return policy_slot()


def install() -> EventLoopPolicy | None:
    """Make loop-core's loop what ``asyncio.run()``, ``asyncio.Runner()``
    and ``asyncio.new_event_loop()`` give, for code you cannot change.

    Up to 3.13: installs an ``EventLoopPolicy`` (an installed one, or a
    subclass, is kept with its current loops) and returns it. From 3.14:
    hooks ``asyncio.new_event_loop`` without touching the deprecated
    policy API, and returns None. Idempotent; ``uninstall()`` undoes it.
    """
    slot = _policy_mechanism()
    if slot is not None:
        get, put = slot
        policy = get()
        if isinstance(policy, EventLoopPolicy):
            return policy
        ours = EventLoopPolicy()
        put(ours)
        return ours
    for module in _hooked_modules():
        current = getattr(module, _HOOKED, None)
        if current is not new_event_loop:
            _originals[module.__name__] = current
            setattr(module, _HOOKED, new_event_loop)
    return None


def uninstall() -> None:
    """Undo ``install()``: asyncio makes its own loops again.

    Up to 3.13 an ``EventLoopPolicy`` in asyncio's slot is replaced by
    asyncio's default policy (current loops held by ours are dropped, not
    closed). From 3.14 asyncio's ``new_event_loop`` is put back, unless
    someone replaced our hook since, whose choice is then left alone.
    Calling it when nothing is installed does nothing.
    """
    for module in _hooked_modules():
        if module.__name__ not in _originals:
            continue
        original = _originals.pop(module.__name__)
        if getattr(module, _HOOKED, None) is new_event_loop:
            setattr(module, _HOOKED, original)
    slot = _policy_mechanism()
    if slot is not None:
        get, put = slot
        if isinstance(get(), EventLoopPolicy):
            put(None)
