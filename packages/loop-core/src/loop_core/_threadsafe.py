"""The handle call_soon_threadsafe() returns: cancellable from any thread.

A plain Handle is the loop thread's alone. The one given to another thread
may be cancelled there while the loop is about to run it, or is running it.
asyncio (3.14, and the 3.12/3.13 bug-fix releases that have
``events._ThreadSafeHandle``) settles that race with a lock per handle:
``cancel()`` and ``cancelled()`` wait while the callback runs, and a handle
cancelled after the loop's unlocked look at ``_cancelled`` does not run.
Ours keeps that contract on every version, and is an instance of asyncio's
class where asyncio has one.

The loop's iteration runs every handle as
``handle._context.run(handle._callback, *args)`` and must not pay for this
(see ``_loop._run``). So a thread-safe handle's ``_context`` is a
``_LockedRun``: its ``run()`` takes the lock, checks for a cancellation
that came in between, and runs the callback in the real context, which
``get_context()`` returns. The iteration stays as it is, and only these
handles pay for the lock.

A cancelled handle keeps ``_args`` a tuple (empty), not None as other
handles do: the iteration may read ``_args`` again after another thread's
``cancel()``, and then calls ``_LockedRun.run()``, which does nothing.
"""

from __future__ import annotations

import _thread
import asyncio
import sys
import threading
from collections.abc import Callable
from contextvars import Context, copy_context
from typing import TYPE_CHECKING, Any

from ._handles import Handle, creation_stack

if TYPE_CHECKING:
    from ._loop import EventLoop

__all__ = ["ThreadSafeHandle"]

_new = object.__new__
# threading.RLock() is a Python-level wrapper around this C lock.
_RLock = getattr(_thread, "RLock", threading.RLock)


class _LockedRun:
    """Stands in for a thread-safe handle's Context (see the module doc).

    It holds the lock and the cancellation flag rather than the handle, so
    a handle and its runner form no reference cycle."""

    __slots__ = ("cancelled", "context", "lock")

    context: Context
    lock: threading.RLock
    cancelled: bool

    def run(self, callback: Callable[..., object], /, *args: Any) -> object:
        with self.lock:
            if self.cancelled:
                return None
            return self.context.run(callback, *args)


_AsyncioThreadSafeHandle: type[asyncio.Handle]
if TYPE_CHECKING or not hasattr(asyncio.events, "_ThreadSafeHandle"):
    _AsyncioThreadSafeHandle = asyncio.Handle
    _SLOTS: tuple[str, ...] = ("_lock",)
else:  # its __slots__ has _lock already
    _AsyncioThreadSafeHandle = asyncio.events._ThreadSafeHandle
    _SLOTS = ()


class ThreadSafeHandle(Handle, _AsyncioThreadSafeHandle):  # type: ignore[misc,valid-type]
    """A callback scheduled with call_soon_threadsafe()."""

    __slots__ = _SLOTS
    _lock: threading.RLock
    _loop: EventLoop

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: EventLoop,
        context: Context | None = None,
    ) -> None:
        # Handle.__init__ and _LockedRun.__init__, inlined: threads that
        # hand results to the loop make one of these per result.
        runner = _new(_LockedRun)
        runner.context = copy_context() if context is None else context
        runner.lock = self._lock = _RLock()
        runner.cancelled = False
        self._context = runner  # type: ignore[assignment]
        self._loop = loop
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._repr = None
        self._source_traceback = (
            creation_stack(sys._getframe(1)) if loop._debug else None
        )

    def get_context(self) -> Context:
        runner: _LockedRun = self._context  # type: ignore[assignment]
        return runner.context

    def cancel(self) -> None:
        runner: _LockedRun = self._context  # type: ignore[assignment]
        with runner.lock:
            if self._cancelled:
                return
            runner.cancelled = True
            Handle.cancel(self)
            self._args = ()

    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled
