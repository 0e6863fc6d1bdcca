"""Handles: one scheduled call each, cheap to make because the loop makes
one for every callback it runs.

They subclass asyncio's Handle and TimerHandle for their interface only
(every method is ours): code that checks ``isinstance(h, asyncio.Handle)``
or reads ``_callback``, ``_args``, ``_cancelled``, ``_context`` works.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable
from contextvars import Context, copy_context
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._format import describe_callback

if TYPE_CHECKING:
    from ._loop import EventLoop

__all__ = ["Handle", "TimerHandle", "creation_stack", "drop_own_frames"]

# Debug mode records where each handle was made: the innermost frames only,
# as asyncio does, and without reading source lines (they are looked up if
# the traceback is ever printed), since it happens for every callback.
_SOURCE_DEPTH = 10


def creation_stack(frame: FrameType) -> traceback.StackSummary:
    stack = traceback.StackSummary.extract(
        traceback.walk_stack(frame), limit=_SOURCE_DEPTH, lookup_lines=False
    )
    stack.reverse()
    return stack


class Handle(asyncio.Handle):
    """A callback scheduled with call_soon(); ``cancel()`` stops it running."""

    __slots__ = ()
    _loop: EventLoop

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: EventLoop,
        context: Context | None = None,
    ) -> None:
        self._context = copy_context() if context is None else context
        self._loop = loop
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._repr: str | None = None
        self._source_traceback: traceback.StackSummary | None = (
            creation_stack(sys._getframe(1)) if loop._debug else None
        )

    def _state(self) -> list[str]:
        info = [type(self).__name__]
        if self._cancelled:
            info.append("cancelled")
        if self._callback is not None:
            info.append(describe_callback(self._callback, self._args))
        if self._source_traceback:
            frame = self._source_traceback[-1]
            info.append(f"created at {frame[0]}:{frame[1]}")
        return info

    def __repr__(self) -> str:
        if self._repr is not None:
            return self._repr
        return "<{}>".format(" ".join(self._state()))

    def get_context(self) -> Context:
        return self._context

    def cancel(self) -> None:
        if not self._cancelled:
            self._cancelled = True
            if self._loop._debug:
                # Keep a description: the callback is dropped below.
                self._repr = repr(self)
            self._callback = None  # type: ignore[assignment]
            self._args = None  # type: ignore[assignment]

    def cancelled(self) -> bool:
        return self._cancelled

    def _run(self) -> None:
        """Run the callback, reporting (not raising) its errors.

        The loop's own iteration inlines this; it is kept for callers that
        run a handle by hand, as asyncio's Handle allows.
        """
        try:
            self._context.run(self._callback, *self._args)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop._report_callback_error(self, exc)


class TimerHandle(Handle, asyncio.TimerHandle):
    """A callback scheduled for a point on the loop's clock."""

    __slots__ = ()

    def __init__(
        self,
        when: float,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: EventLoop,
        context: Context | None = None,
    ) -> None:
        Handle.__init__(self, callback, args, loop, context)
        if self._source_traceback:
            del self._source_traceback[-1]
        self._when = when
        self._scheduled = False

    def _state(self) -> list[str]:
        info = super()._state()
        info.insert(2 if self._cancelled else 1, f"when={self._when}")
        return info

    def when(self) -> float:
        """The absolute time (loop.time()) the callback is due."""
        return self._when

    def __hash__(self) -> int:
        return hash(self._when)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, TimerHandle):
            return self._when < other._when
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, TimerHandle):
            return self._when < other._when or self.__eq__(other)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, TimerHandle):
            return self._when > other._when
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, TimerHandle):
            return self._when > other._when or self.__eq__(other)
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TimerHandle):
            return (
                self._when == other._when
                and self._callback == other._callback
                and self._args == other._args
                and self._cancelled == other._cancelled
            )
        return NotImplemented

    def cancel(self) -> None:
        # Handle.cancel() inlined: programs cancel most of the timers they
        # make (timeouts that did not fire).
        if not self._cancelled:
            self._cancelled = True
            loop = self._loop
            if self._scheduled:
                loop._timers.discard(self)
            if loop._debug:
                self._repr = repr(self)
            self._callback = None  # type: ignore[assignment]
            self._args = None  # type: ignore[assignment]


def drop_own_frames(handle: Handle, count: int) -> None:
    """Debug mode: the handle's creation traceback ends at the user's call,
    not inside the loop (asyncio's handles do the same)."""
    if handle._source_traceback:
        del handle._source_traceback[-count:]
