"""Metrics of one loop: a snapshot (``stats``) and a stream (``watch``).

Both read a ``loop_core.LoopProbe``: ``attach()`` puts one on the loop,
which then runs its timed iteration (counting costs a few attribute stores
per callback); ``detach()`` takes it off and the loop is back to its
default iteration. Nothing here runs on its own: no thread, no timer, no
fd, until ``watch()`` schedules its ticks on the loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import loop_core

__all__ = ["Rates", "Stats", "Watch", "attach", "detach", "stats", "watch"]


@dataclasses.dataclass(frozen=True)
class Stats:
    """A loop's counters at one moment (totals since attach) and its
    gauges now. Times are seconds."""

    iterations: int
    callbacks: int
    busy: float  #: time running callbacks
    idle: float  #: time between batches: polling, mostly
    slow_callbacks: int  #: callbacks that took slow_callback_duration or more
    ready: int  #: callbacks queued to run
    timers: int  #: timers scheduled and not cancelled
    fds: int  #: fds watched for readiness
    tasks: int  #: tasks not done
    lag_p50: float  #: how late timer callbacks started (recent window)
    lag_p99: float
    lag_max: float

    @property
    def busy_fraction(self) -> float:
        """The loop's load: the share of its time spent in callbacks."""
        total = self.busy + self.idle
        return self.busy / total if total else 0.0


def _probe_of(loop: asyncio.AbstractEventLoop) -> loop_core.LoopProbe:
    if not isinstance(loop, loop_core.EventLoop):
        raise TypeError(
            f"loop_observe needs loop-core's loop, not {type(loop).__name__}"
        )
    probe = loop_core.get_probe(loop)
    if probe is None:
        probe = loop_core.LoopProbe()
        loop_core.set_probe(loop, probe)
    return probe


def attach(loop: asyncio.AbstractEventLoop) -> loop_core.LoopProbe:
    """Start counting on ``loop`` (idempotent); returns its probe.

    TypeError for a loop that is not loop-core's: asyncio's has no probe."""
    return _probe_of(loop)


def detach(loop: asyncio.AbstractEventLoop) -> None:
    """Stop counting: the loop goes back to its default iteration."""
    if isinstance(loop, loop_core.EventLoop):
        loop_core.set_probe(loop, None)


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def stats(loop: asyncio.AbstractEventLoop) -> Stats:
    """A snapshot of ``loop``'s metrics; attaches a probe on first use, so
    the counters start then. Safe to call from any thread."""
    probe = _probe_of(loop)
    ready, timers, fds = loop_core.queue_sizes(loop)  # type: ignore[arg-type]
    lags = sorted(max(0.0, lag) for lag in tuple(probe.lags))
    try:
        tasks = sum(1 for t in asyncio.all_tasks(loop) if not t.done())
    except RuntimeError:  # the task set changed while we counted
        tasks = -1
    return Stats(
        iterations=probe.iterations,
        callbacks=probe.callbacks,
        busy=probe.busy,
        idle=probe.idle,
        slow_callbacks=probe.slow,
        ready=ready,
        timers=timers,
        fds=fds,
        tasks=tasks,
        lag_p50=_quantile(lags, 0.5),
        lag_p99=_quantile(lags, 0.99),
        lag_max=lags[-1] if lags else 0.0,
    )


@dataclasses.dataclass(frozen=True)
class Rates:
    """What changed over one ``watch`` interval, per second."""

    interval: float
    iterations: float
    callbacks: float
    busy_fraction: float  #: over the interval, not since attach


class Watch:
    """``watch()``'s ticks; ``cancel()`` ends them."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        interval: float,
        callback: Callable[[Stats, Rates], object],
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, not {interval!r}")
        self._loop = loop
        self._interval = interval
        self._callback = callback
        self._last = stats(loop)
        self._last_time = loop.time()
        self._handle: asyncio.TimerHandle | None = loop.call_later(interval, self._tick)

    def _tick(self) -> None:
        now = self._loop.time()
        current = stats(self._loop)
        elapsed = now - self._last_time or 1e-9
        busy = current.busy - self._last.busy
        idle = current.idle - self._last.idle
        rates = Rates(
            interval=elapsed,
            iterations=(current.iterations - self._last.iterations) / elapsed,
            callbacks=(current.callbacks - self._last.callbacks) / elapsed,
            busy_fraction=busy / (busy + idle) if busy + idle else 0.0,
        )
        self._last, self._last_time = current, now
        self._handle = self._loop.call_later(self._interval, self._tick)
        self._callback(current, rates)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def watch(
    loop: asyncio.AbstractEventLoop,
    interval: float,
    callback: Callable[[Stats, Rates], object],
) -> Watch:
    """Call ``callback(stats, rates)`` on the loop every ``interval``
    seconds until the returned ``Watch`` is cancelled."""
    return Watch(loop, interval, callback)
