"""A loop's metrics as OpenTelemetry instruments (``loop-observe[otel]``).

OpenTelemetry collects observable instruments from its reader's thread,
whenever it likes; a loop's counters belong to the loop's thread. So the
loop refreshes a snapshot with ``watch()`` and the instruments' callbacks
only read the latest one: nothing of the loop is touched from another
thread, and the values are at most ``interval`` old.

Imported on its own (``from loop_observe import otel``) so that
``import loop_observe`` never needs opentelemetry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation

from ._stats import Rates, Stats, stats, watch

__all__ = ["Instrumentation", "instrument"]

# (instrument name, unit, description, Stats attribute)
_COUNTERS = (
    ("loop.iterations", "{iteration}", "Loop iterations.", "iterations"),
    ("loop.callbacks", "{callback}", "Callbacks run.", "callbacks"),
    ("loop.busy_time", "s", "Time spent running callbacks.", "busy"),
    ("loop.idle_time", "s", "Time spent between batches (polling).", "idle"),
    ("loop.slow_callbacks", "{callback}", "Slow callbacks.", "slow_callbacks"),
)
_GAUGES = (
    ("loop.ready", "{callback}", "Callbacks queued to run.", "ready"),
    ("loop.timers", "{timer}", "Timers scheduled.", "timers"),
    ("loop.fds", "{fd}", "File descriptors watched.", "fds"),
    ("loop.tasks", "{task}", "Tasks not done.", "tasks"),
    ("loop.busy_ratio", "1", "Share of the loop's time in callbacks.", "busy_fraction"),
    ("loop.lag.p50", "s", "How late timers fired: median, recent window.", "lag_p50"),
    ("loop.lag.p99", "s", "How late timers fired: 99th percentile.", "lag_p99"),
    ("loop.lag.max", "s", "How late timers fired: worst, recent window.", "lag_max"),
)


class Instrumentation:
    """One loop's instruments. ``close()`` (on the loop's thread, or once it
    has stopped) stops refreshing them; they then report the last values."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        meter_provider: MeterProvider | None,
        interval: float,
        attributes: dict[str, str],
    ) -> None:
        self.latest: Stats = stats(loop)  # TypeError first for a foreign loop
        self._attributes = dict(attributes)
        self._watch = watch(loop, interval, self._refresh)
        meter = metrics.get_meter("loop_observe", meter_provider=meter_provider)
        for name, unit, text, field in _COUNTERS:
            meter.create_observable_counter(
                name, callbacks=[self._reader(field)], unit=unit, description=text
            )
        for name, unit, text, field in _GAUGES:
            meter.create_observable_gauge(
                name, callbacks=[self._reader(field)], unit=unit, description=text
            )

    def _refresh(self, snapshot: Stats, rates: Rates) -> None:
        self.latest = snapshot

    def _reader(self, field: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(getattr(self.latest, field), self._attributes)]

        return observe

    def close(self) -> None:
        self._watch.cancel()


def instrument(
    loop: asyncio.AbstractEventLoop,
    meter_provider: MeterProvider | None = None,
    *,
    interval: float = 1.0,
    attributes: dict[str, str] | None = None,
) -> Instrumentation:
    """Publish ``loop``'s metrics through OpenTelemetry: the global meter
    provider unless one is given, refreshed on the loop every ``interval``
    seconds, each observation carrying ``attributes`` (e.g. a loop name).

    Call it on the loop's thread, or before the loop runs. TypeError for a
    loop that is not loop-core's."""
    return Instrumentation(loop, meter_provider, interval, attributes or {})
