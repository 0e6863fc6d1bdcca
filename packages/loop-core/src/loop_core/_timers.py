"""Timers: call_later / call_at, and the queue that owns every scheduled timer.

``TimerQueue`` is the one owner of timer state: what is scheduled, in which
order it is due, and the cancellation accounting that decides when to
compact. The loop's ``_run`` reads ``next_due`` for the poll timeout and
calls ``pop_due`` once something is due; ``TimerHandle.cancel`` calls
``discard``.

Timers arrive in two patterns, and the queue keeps one structure for each:

- **A few at a time** (a timeout per request, a periodic tick): a heap.
  It holds bare ``when`` floats, not ``(when, seq, handle)`` tuples: a float
  comparison is a third of a tuple's, and each push and pop compares about
  log2(n) times. What is due at each time lives beside the heap: one
  TimerHandle, or a list of them in the order they were made, so the handles
  (whose ``__eq__`` compares the user's args) are never compared.
- **Many at once** (a fan-out of thousands of call_later): a *run*, a list
  sorted by due time with one stable sort, from which each due timer is one
  ``list.pop()``. Sorting n timers at once costs a fraction of n heap pushes
  and pops (on PyPy the heap's pops were most of the time of a 50,000-timer
  fan-out; vmprof: pop_due and heapq._siftup, 58%). The sort itself is
  ``_duesort.sort_by_due``: list.sort on CPython, a bucket sort on PyPy.

``push`` only appends to ``incoming`` and keeps ``next_due`` up to date.
``pop_due`` first files what came in: into the heap when it is a small part
of what is queued, else everything is sorted into one new run. What was
cancelled before it was filed (most timeouts end in the iteration that made
them) is dropped then, so it costs neither a sort nor a push. Every timer
in the heap came after every timer in the run (a new run takes the heap's
timers too), so among timers due at the same time the run's go first, and
ties run in the order the timers were made, as the tests of asyncio expect.

A NaN due time (``call_later(nan)``, ``wait_for(x, timeout=nan)``) is
filed in the heap as -inf: it runs on the next iteration, the loop never
waits NaN seconds, and the timers behind it keep their order. Infinite ones
stay infinite: the poll timeout is capped at a day, as in asyncio.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Context, copy_context
from heapq import heapify, heappop, heappush
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVarTuple, Unpack

from ._duesort import sort_by_due
from ._handles import TimerHandle, drop_own_frames

__all__ = ["TimerQueue", "TimersMixin"]

_Ts = TypeVarTuple("_Ts")
_new = object.__new__
# Where a NaN due time goes in the heap: before everything.
_NAN_DUE = float("-inf")
_INF = float("inf")


# Compact when more than this many timers are cancelled *and* they are more
# than half of them: memory stays bounded and the work is amortised over the
# cancellations.
_MIN_CANCELLED_TO_COMPACT = 100
# New timers go into the heap while they are fewer than a quarter of those
# queued; more, and one sort of all of them is cheaper than as many pushes
# (and it stays linear overall: each sort is paid for by the newcomers).
_HEAP_SHARE = 4


class TimerQueue:
    """The loop's scheduled timers, in due order; ties in the order made.

    ``next_due`` is for the loop's ``_run`` to read: the earliest due time
    queued (perhaps of a cancelled timer), ``inf`` when there is none.
    """

    __slots__ = (
        "_at",
        "_cancelled",
        "_heap",
        "_incoming",
        "_run",
        "_shared",
        "next_due",
    )

    def __init__(self) -> None:
        self._heap: list[float] = []  # one entry per distinct due time
        self._at: dict[float, TimerHandle | list[TimerHandle]] = {}
        self._shared = 0  # heap timers beyond the first at their due time
        self._run: list[TimerHandle] = []  # latest due first; pop() the next
        self._incoming: list[TimerHandle] = []  # pushed since the last pop_due
        self._cancelled = 0  # cancelled timers still queued
        self.next_due = _INF

    def __len__(self) -> int:
        """Timers scheduled and neither run nor cancelled."""
        return self.stored - self._cancelled

    @property
    def stored(self) -> int:
        """Timers held, the cancelled ones not yet dropped included."""
        return len(self._heap) + self._shared + len(self._run) + len(self._incoming)

    def push(self, timer: TimerHandle, when: float) -> None:
        """Queue ``timer``, due at ``when`` (its ``_when``, passed for speed)."""
        if when != when:
            # NaN: due now (asyncio runs it once it reaches the top of its
            # heap); a NaN in ours would stop every timer behind it and
            # make the poll timeout NaN. when() still says NaN.
            self._push_heap(timer, _NAN_DUE)
            when = _NAN_DUE
        else:
            self._incoming.append(timer)
        if when < self.next_due:
            self.next_due = when
        timer._scheduled = True

    def _push_heap(self, timer: TimerHandle, when: float) -> None:
        at = self._at
        first = at.setdefault(when, timer)
        if first is timer:
            heappush(self._heap, when)
        else:
            if isinstance(first, list):
                first.append(timer)
            else:
                at[when] = [first, timer]
            self._shared += 1

    def discard(self, timer: TimerHandle) -> None:
        """A queued timer was cancelled. It stays queued, skipped when due,
        until most of the queue is cancelled; then the queue is compacted."""
        count = self._cancelled = self._cancelled + 1
        if count > _MIN_CANCELLED_TO_COMPACT and count * 2 > self.stored:
            self.compact()

    def _file_incoming(self) -> None:
        incoming = self._incoming
        self._incoming = []
        if self._cancelled:
            # Timers cancelled before they were filed (a timeout that was
            # not needed after all) are dropped here, not sorted or pushed.
            count = len(incoming)
            incoming = self._live(incoming)
            self._cancelled -= count - len(incoming)
        run = self._run
        if len(incoming) * _HEAP_SHARE < len(run) + len(self._heap) + self._shared:
            push = self._push_heap
            for timer in incoming:
                push(timer, timer._when)
            return
        # One new run of everything: oldest first among equal due times
        # (the run's timers, then the heap's, then the new ones), which the
        # stable sort keeps.
        run.reverse()
        if self._heap:
            run += self._take_from_heap()
        run += incoming
        run = sort_by_due(run)
        run.reverse()
        self._run = run

    def _take_from_heap(self) -> list[TimerHandle]:
        """Empty the heap into a list, in due order, ties in the order made;
        NaN timers (filed at -inf, their ``_when`` NaN) stay in the heap."""
        at = self._at
        taken: list[TimerHandle] = []
        kept: dict[float, TimerHandle | list[TimerHandle]] = {}
        for when in sorted(self._heap):
            entry = at[when]
            if when == _NAN_DUE:
                kept[when] = entry
            elif isinstance(entry, list):
                taken += entry
            else:
                taken.append(entry)
        self._at = kept
        self._heap[:] = list(kept)
        self._shared = sum(len(e) - 1 for e in kept.values() if isinstance(e, list))
        return taken

    def pop_due(self, end: float, append: Callable[[TimerHandle], object]) -> None:
        """Hand every live timer due by ``end`` to ``append``, in order."""
        heap = self._heap
        incoming = self._incoming
        if incoming:
            if not self._run and not heap and len(incoming) == 1:
                self._run.append(incoming.pop())  # a chain or a tick: no sort
            else:
                self._file_incoming()
        run = self._run
        # Any: mypy does not narrow on ``type(x) is list``, and isinstance()
        # would cost a global lookup and a call per due timer.
        at: dict[float, Any] = self._at
        while True:
            if run:
                timer = run[-1]
                when = timer._when
                if not heap or when <= heap[0]:  # ties: the run's are older
                    if when > end:
                        break
                    run.pop()
                    timer._scheduled = False
                    if timer._cancelled:
                        self._cancelled -= 1
                    else:
                        append(timer)
                    continue
            if not heap or heap[0] > end:
                break
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
        # Nothing came in meanwhile: append() only queues the callbacks.
        due = run[-1]._when if run else _INF
        self.next_due = heap[0] if heap and heap[0] < due else due

    def _find_next_due(self) -> None:
        due = self._run[-1]._when if self._run else _INF
        if self._heap and self._heap[0] < due:
            due = self._heap[0]
        for timer in self._incoming:
            if timer._when < due:
                due = timer._when
        self.next_due = due

    def compact(self) -> None:
        """Drop the cancelled timers."""
        at = self._at
        shared = 0
        for when, entry in list(at.items()):
            if not isinstance(entry, list):
                entry = [entry]
            live = self._live(entry)
            if not live:
                del at[when]
            else:
                shared += len(live) - 1
                if len(live) != len(entry):
                    at[when] = live if len(live) > 1 else live[0]
        self._heap[:] = at
        heapify(self._heap)
        self._shared = shared
        self._run[:] = self._live(self._run)
        self._incoming[:] = self._live(self._incoming)
        self._cancelled = 0
        self._find_next_due()

    @staticmethod
    def _live(timers: list[TimerHandle]) -> list[TimerHandle]:
        live = []
        for timer in timers:
            if timer._cancelled:
                timer._scheduled = False
            else:
                live.append(timer)
        return live

    def clear(self) -> None:
        """Forget every timer (the loop is closing): none of them will run."""
        for entry in self._at.values():
            for timer in entry if isinstance(entry, list) else (entry,):
                timer._scheduled = False
        for timer in self._run + self._incoming:
            timer._scheduled = False
        self._heap.clear()
        self._at.clear()
        self._run.clear()
        self._incoming.clear()
        self._cancelled = 0
        self._shared = 0
        self.next_due = _INF


class TimersMixin:
    _closed: bool
    _debug: bool

    def _init_timers(self) -> None:
        self._timers = TimerQueue()

    def time(self) -> float:
        """The loop's clock. Timers and the iteration read it through
        ``self.time()``, as asyncio's loop does, so a subclass's clock or a
        patched ``loop.time`` (``mock.patch.object(loop, "time")`` in
        aiohttp's tests, virtual-time test plugins) moves them too."""
        return monotonic()

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> TimerHandle:
        if delay is None:
            raise TypeError("delay must not be None")
        return self._schedule(self.time() + delay, callback, args, context)

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
