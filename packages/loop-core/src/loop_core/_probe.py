"""The timed iteration, and the one hook an observer attaches through.

The loop's ``_run`` tests one flag per iteration, ``_timed``: it is set
while debug mode is on or a ``LoopProbe`` is attached, and then the ready
batch runs here, each callback timed, instead of in ``_run``'s own loop.
The default iteration pays nothing for this module.

A probe is a record the loop writes and others read (loop-observe's
metrics, its blocking detector in a watchdog thread): plain attribute
stores, no calls into the observer on the loop's thread. The detector reads
``current`` and ``started`` from its own thread; each is one store, so it
sees a consistent pair or a callback that just finished, and re-checks.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._errors import logger
from ._handles import Handle, TimerHandle

if TYPE_CHECKING:
    from ._loop import EventLoop

__all__ = ["LoopProbe", "TimedMixin", "get_probe", "queue_sizes", "set_probe"]

# How many timer lateness samples a probe keeps (for p50/p99/max).
LAG_WINDOW = 1024


class LoopProbe:
    """Counters of one loop, written by its timed iteration.

    Times are ``time.monotonic()`` seconds (the loop's clock). ``busy`` is
    time spent running callbacks, ``idle`` the time between batches (polling,
    mostly); ``busy / (busy + idle)`` is the loop's load.
    """

    __slots__ = (
        "busy",
        "callbacks",
        "current",
        "idle",
        "iterations",
        "lags",
        "last_end",
        "slow",
        "started",
    )

    def __init__(self, lag_window: int = LAG_WINDOW) -> None:
        self.iterations = 0
        self.callbacks = 0
        self.busy = 0.0
        self.idle = 0.0
        self.slow = 0  # callbacks that took slow_callback_duration or more
        #: The handle running now (None between callbacks) and when it
        #: started: what a watchdog thread reads to catch a blocked loop.
        self.current: Handle | None = None
        self.started = 0.0
        #: How late each timer callback started, in seconds (newest last).
        self.lags: deque[float] = deque(maxlen=lag_window)
        self.last_end = 0.0  # when the previous batch ended (0: none yet)


def set_probe(loop: EventLoop, probe: LoopProbe | None) -> LoopProbe | None:
    """Attach ``probe`` to ``loop`` (None detaches); returns the previous one.

    From the loop's thread, or while it is not running."""
    previous = loop._probe
    loop._probe = probe
    loop._timed = loop._debug or probe is not None
    return previous


def get_probe(loop: EventLoop) -> LoopProbe | None:
    return loop._probe


def queue_sizes(loop: EventLoop) -> tuple[int, int, int]:
    """``(ready, timers, fds)``: callbacks queued to run, timers scheduled
    and not cancelled, and fds watched for readiness (the loop's own wake-up
    pipe not counted). Cheap: an observer reads it as often as it likes."""
    fds = len(loop._readers) + len(loop._writers) - 1
    return len(loop._ready), len(loop._timers), fds


class TimedMixin:
    _debug: bool
    _ready: deque[Handle]
    slow_callback_duration: float

    def _init_probe(self) -> None:
        self._probe: LoopProbe | None = None
        self._timed = self._debug

    def _run_ready_timed(self, ntodo: int) -> None:
        """The ready batch, each callback timed: in debug mode those slower
        than ``slow_callback_duration`` are logged, and an attached probe
        counts them all. One clock read per callback: each one's end is the
        next one's start."""
        popleft = self._ready.popleft
        clock = time.monotonic
        probe = self._probe
        debug = self._debug
        slow = self.slow_callback_duration
        batch_start = now = clock()
        if probe is not None:
            probe.iterations += 1
            if probe.last_end:
                probe.idle += batch_start - probe.last_end
        ran = 0
        handle: Handle | None
        args: Sequence[Any] | None
        for _ in range(ntodo):
            handle = popleft()
            if handle._cancelled:
                continue
            ran += 1
            start = now
            if probe is not None:
                probe.started = start
                probe.current = handle
                if type(handle) is TimerHandle:
                    probe.lags.append(start - handle._when)
            try:
                args = handle._args
                if not args:
                    handle._context.run(handle._callback)
                else:
                    handle._context.run(handle._callback, *args)
            except (SystemExit, KeyboardInterrupt):
                if probe is not None:
                    probe.current = None
                raise
            except BaseException as exc:
                self._report_callback_error(handle, exc)
            now = clock()
            elapsed = now - start
            if elapsed >= slow:
                if probe is not None:
                    probe.slow += 1
                if debug:
                    logger.warning(
                        "Executing %s took %.3f seconds", _describe(handle), elapsed
                    )
        # This frame can outlive the batch: CPython keeps it as the f_back of
        # a coroutine frame that a traceback holds, with its last locals. A
        # handle left here keeps a finished task (and its exception) alive in
        # a cycle; asyncio drops it too (Handle._run's `self = None`).
        handle = args = None
        if probe is not None:
            probe.current = None
            probe.callbacks += ran
            probe.busy += now - batch_start
            probe.last_end = now

    if TYPE_CHECKING:  # provided by ErrorsMixin

        def _report_callback_error(
            self, handle: Handle, exc: BaseException
        ) -> None: ...


def _describe(handle: Handle) -> str:
    """A task's step is named by the task: that is what a reader can find."""
    owner = getattr(handle._callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return repr(owner)
    return repr(handle)  # a timer says so: <TimerHandle when=...>, as asyncio
