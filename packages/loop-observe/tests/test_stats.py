"""stats() and watch(): what a loop did and holds, read through the probe."""

import asyncio
import os

import loop_core
import loop_observe
import pytest

pytestmark = pytest.mark.ours_only


@pytest.fixture
def loop():
    loop = loop_core.new_event_loop()
    yield loop
    loop.close()


def test_nothing_is_counted_until_attached(loop):
    assert loop_core.get_probe(loop) is None
    loop.run_until_complete(asyncio.sleep(0))
    s = loop_observe.stats(loop)  # attaches: counting starts now
    assert s.iterations == 0 and s.callbacks == 0
    assert loop_core.get_probe(loop) is not None
    loop_observe.detach(loop)
    assert loop_core.get_probe(loop) is None


def test_stats_count_and_gauge(loop):
    loop_observe.attach(loop)
    r, w = os.pipe()
    try:
        loop.add_reader(r, print)

        async def main():
            await asyncio.sleep(0.01)  # a timer: its lateness is measured
            loop.call_later(60, print)
            loop.call_soon(print)
            return loop_observe.stats(loop)

        task = loop.create_task(main(), name="main")
        s = loop.run_until_complete(task)
        loop.remove_reader(r)
    finally:
        os.close(r)
        os.close(w)
    assert s.iterations >= 2 and s.callbacks >= 2
    assert s.ready == 1 and s.timers == 1 and s.fds == 1 and s.tasks == 1
    assert 0 <= s.lag_p50 <= s.lag_p99 <= s.lag_max < 5
    assert s.busy > 0 and 0 < s.busy_fraction <= 1
    assert s.slow_callbacks == 0


def test_asyncio_loop_is_refused():
    other = asyncio.new_event_loop()
    try:
        with pytest.raises(TypeError, match="loop-core"):
            loop_observe.stats(other)
    finally:
        other.close()


def test_watch_streams_snapshots_with_rates_until_cancelled(loop):
    seen = []

    async def main():
        done = asyncio.Event()

        def tick(stats, rates):
            seen.append((stats, rates))
            if len(seen) == 3:
                done.set()

        watcher = loop_observe.watch(loop, 0.01, tick)
        await done.wait()
        watcher.cancel()
        await asyncio.sleep(0.05)

    loop.run_until_complete(main())
    assert len(seen) == 3
    stats, rates = seen[-1]
    assert rates.interval > 0 and rates.iterations > 0 and rates.callbacks > 0
    assert 0 <= rates.busy_fraction <= 1
    assert stats.iterations >= seen[0][0].iterations
    with pytest.raises(ValueError):
        loop_observe.watch(loop, 0, print)
