"""Timers: call_later / call_at, and the queue that owns every scheduled timer.

``TimerQueue`` is the one owner of timer state: the heap, what is due at each
time, and the cancellation accounting that decides when to compact. The
loop's ``_run`` reads the head of its heap for the poll timeout and calls
``pop_due`` once something is due; ``TimerHandle.cancel`` calls ``discard``.

The heap holds bare ``when`` floats, not ``(when, seq, handle)`` tuples: a
float comparison is a third of a tuple's, and each push and pop compares
about log2(n) times. What is due at each time lives beside the heap: one
TimerHandle, or a list of them in the order they were made, so timers due at
the same time run in that order and the handles (whose ``__eq__`` compares
the user's args) are never compared.

A NaN due time (``call_later(nan)``, ``wait_for(x, timeout=nan)``) is
filed as -inf: it runs on the next iteration, the loop never waits NaN
seconds, and the timers behind it keep their order. Infinite ones stay
infinite: the poll timeout is capped at a day, as in asyncio.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Context, copy_context
from heapq import heapify, heappop, heappush
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVarTuple, Unpack

from ._handles import TimerHandle, drop_own_frames

__all__ = ["TimerQueue", "TimersMixin"]

_Ts = TypeVarTuple("_Ts")
_new = object.__new__
# Where a NaN due time goes in the heap: before everything.
_NAN_DUE = float("-inf")


# Compact when more than this many timers are cancelled *and* they are more
# than half of them: memory stays bounded and the work is amortised over the
# cancellations.
_MIN_CANCELLED_TO_COMPACT = 100


class TimerQueue:
    """The loop's scheduled timers, in due order; ties in the order made.

    ``heap`` is for the loop's ``_run`` to read (``heap[0]`` is the next due
    time, and reading it is cheaper than a method call each iteration); only
    the queue changes it.
    """

    __slots__ = ("_at", "_cancelled", "_shared", "heap")

    def __init__(self) -> None:
        self.heap: list[float] = []  # one entry per distinct due time
        self._at: dict[float, TimerHandle | list[TimerHandle]] = {}
        self._shared = 0  # timers beyond the first at their due time
        self._cancelled = 0  # cancelled timers still queued

    def __len__(self) -> int:
        """Timers scheduled and neither run nor cancelled."""
        return len(self.heap) + self._shared - self._cancelled

    def push(self, timer: TimerHandle, when: float) -> None:
        """Queue ``timer``, due at ``when`` (its ``_when``, passed for speed)."""
        if when != when:
            # NaN: due now (asyncio runs it once it reaches the top of its
            # heap); a NaN in ours would stop every timer behind it and
            # make the poll timeout NaN. when() still says NaN.
            when = _NAN_DUE
        at = self._at
        first = at.setdefault(when, timer)
        if first is timer:
            heappush(self.heap, when)
        else:
            if isinstance(first, list):
                first.append(timer)
            else:
                at[when] = [first, timer]
            self._shared += 1
        timer._scheduled = True

    def discard(self, timer: TimerHandle) -> None:
        """A queued timer was cancelled. It stays queued, skipped when due,
        until most of the queue is cancelled; then the queue is compacted."""
        count = self._cancelled = self._cancelled + 1
        if (
            count > _MIN_CANCELLED_TO_COMPACT
            and count * 2 > len(self.heap) + self._shared
        ):
            self.compact()

    def pop_due(self, end: float, append: Callable[[TimerHandle], object]) -> None:
        """Hand every live timer due by ``end`` to ``append``, in order."""
        heap = self.heap
        # Any: mypy does not narrow on ``type(x) is list``, and isinstance()
        # would cost a global lookup and a call per due timer.
        at: dict[float, Any] = self._at
        while heap and heap[0] <= end:
            due = at.pop(heappop(heap))
            if type(due) is list:
                self._shared -= len(due) - 1
                for timer in due:
                    timer._scheduled = False
                    if timer._cancelled:
                        self._cancelled -= 1
                    else:
                        append(timer)
                continue
            due._scheduled = False
            if due._cancelled:
                self._cancelled -= 1
            else:
                append(due)

    def compact(self) -> None:
        """Drop the cancelled timers, in place: ``_run`` holds ``heap``."""
        at = self._at
        shared = 0
        for when, entry in list(at.items()):
            if not isinstance(entry, list):
                entry = [entry]
            live = []
            for timer in entry:
                if timer._cancelled:
                    timer._scheduled = False
                else:
                    live.append(timer)
            if not live:
                del at[when]
            else:
                shared += len(live) - 1
                if len(live) != len(entry):
                    at[when] = live if len(live) > 1 else live[0]
        self.heap[:] = at
        heapify(self.heap)
        self._cancelled = 0
        self._shared = shared

    def clear(self) -> None:
        """Forget every timer (the loop is closing): none of them will run."""
        for entry in self._at.values():
            for timer in entry if isinstance(entry, list) else (entry,):
                timer._scheduled = False
        self.heap.clear()
        self._at.clear()
        self._cancelled = 0
        self._shared = 0


class TimersMixin:
    _closed: bool
    _debug: bool

    def _init_timers(self) -> None:
        self._timers = TimerQueue()

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> TimerHandle:
        if delay is None:
            raise TypeError("delay must not be None")
        return self._schedule(monotonic() + delay, callback, args, context)

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
        self._timers.push(timer, when)
        return timer

    def _timer_handle_cancelled(self, handle: TimerHandle) -> None:
        """asyncio's hook for a cancelled timer. Our TimerHandle.cancel() does
        the bookkeeping itself; asyncio's own TimerHandles are never in our
        heap, so there is nothing to do for them."""

    if TYPE_CHECKING:  # provided by DebugMixin

        def _check_thread(self) -> None: ...
        @staticmethod
        def _check_callback(callback: Callable[..., object], method: str) -> None: ...
