"""Timers: call_later / call_at, the timer heap and its compaction.

The heap holds bare ``when`` floats, not ``(when, seq, handle)`` tuples: a
float comparison is a third of a tuple's, and each push and pop compares
about log2(n) times. What is due at each time lives beside the heap in
``_timers_at``: one TimerHandle, or a list of them in the order they were
made, so timers due at the same time run in that order and the handles
(whose ``__eq__`` compares the user's args) are never compared. The loop's
``_run`` pops due times itself; only lists go through ``_move_due``.

A NaN due time (``call_later(nan)``, ``wait_for(x, timeout=nan)``) is
filed as -inf: it runs on the next iteration, the loop never waits NaN
seconds, and the timers behind it keep their order. Infinite ones stay
infinite: the poll timeout is capped at a day, as in asyncio.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from contextvars import Context, copy_context
from heapq import heapify, heappush
from typing import TYPE_CHECKING, Any, TypeVarTuple, Unpack

from ._handles import Handle, TimerHandle, drop_own_frames

__all__ = ["TimersMixin"]

_Ts = TypeVarTuple("_Ts")
_new = object.__new__
# Where a NaN due time goes in the heap: before everything.
_NAN_DUE = float("-inf")


class TimersMixin:
    _closed: bool
    _debug: bool
    _ready: deque[Handle]

    def _init_timers(self) -> None:
        self._timers: list[float] = []
        self._timers_at: dict[float, TimerHandle | list[TimerHandle]] = {}
        self._timers_shared = 0  # timers beyond the first at their due time
        self._timer_cancelled_count = 0

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> TimerHandle:
        if delay is None:
            raise TypeError("delay must not be None")
        return self._schedule(time.monotonic() + delay, callback, args, context)

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> TimerHandle:
        if when is None:
            raise TypeError("when cannot be None")
        return self._schedule(when, callback, args, context)

    def _schedule(
        self,
        when: float,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        context: Context | None,
    ) -> TimerHandle:
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_at")
            timer = TimerHandle(when, callback, args, self, context)  # type: ignore[arg-type]
            drop_own_frames(timer, 2)  # _schedule and call_later/call_at
        else:
            if not callable(callback):
                self._check_callback(callback, "call_at")
            timer = _new(TimerHandle)  # TimerHandle.__init__, inlined
            timer._context = copy_context() if context is None else context
            timer._loop = self  # type: ignore[assignment]
            timer._callback = callback
            timer._args = args
            timer._cancelled = False
            timer._repr = None
            timer._source_traceback = None
            timer._when = when
        if when != when:
            # NaN: due now (asyncio runs it once it reaches the top of its
            # heap); a NaN in ours would stop every timer behind it and
            # make the poll timeout NaN. when() still says NaN.
            when = _NAN_DUE
        timers_at = self._timers_at
        first = timers_at.setdefault(when, timer)
        if first is timer:
            heappush(self._timers, when)
        else:
            if isinstance(first, list):
                first.append(timer)
            else:
                timers_at[when] = [first, timer]
            self._timers_shared += 1
        timer._scheduled = True
        return timer

    def _timer_handle_cancelled(self, handle: TimerHandle) -> None:
        """asyncio's hook for a cancelled timer. Our TimerHandle.cancel() does
        the bookkeeping itself; asyncio's own TimerHandles are never in our
        heap, so there is nothing to do for them."""

    def _compact_timers(self) -> None:
        # In place: _run holds both containers.
        timers_at = self._timers_at
        shared = 0
        for when, entry in list(timers_at.items()):
            if not isinstance(entry, list):
                entry = [entry]
            live = []
            for timer in entry:
                if timer._cancelled:
                    timer._scheduled = False
                else:
                    live.append(timer)
            if not live:
                del timers_at[when]
            else:
                shared += len(live) - 1
                if len(live) != len(entry):
                    timers_at[when] = live if len(live) > 1 else live[0]
        self._timers[:] = timers_at
        heapify(self._timers)
        self._timer_cancelled_count = 0
        self._timers_shared = shared

    def _move_due(self, due: list[TimerHandle]) -> None:
        """_run's move of due timers to the ready queue, for several due at
        the same time (rare: most due times are distinct)."""
        self._timers_shared -= len(due) - 1
        for timer in due:
            timer._scheduled = False
            if timer._cancelled:
                self._timer_cancelled_count -= 1
            else:
                self._ready.append(timer)

    if TYPE_CHECKING:  # provided by DebugMixin

        def _check_thread(self) -> None: ...
        @staticmethod
        def _check_callback(callback: Callable[..., object], method: str) -> None: ...
