"""The timer heap: cancelled timers do not pile up; ties at one time."""

import asyncio
import gc
import sys

import pytest

BATCHES = 100
PER_BATCH = 10_000  # 1,000,000 timers in all


def noop():
    pass


def live_timer_handles(loop):
    cls = type(loop.call_later(3600, noop))
    return sum(1 for o in gc.get_objects() if type(o) is cls and o._loop is loop)


def no_debug(loop):
    """PYTHONASYNCIODEBUG / -X dev make each handle keep its creation
    traceback: a million of them would take minutes, and what these tests
    measure does not depend on debug mode."""
    loop.set_debug(False)


def test_million_cancelled_timers_are_released(loop):
    no_debug(loop)
    fired = []
    for i in range(BATCHES):
        batch = [loop.call_later(3600, noop) for _ in range(PER_BATCH)]
        loop.call_later(0, fired.append, i)  # one that runs, among them
        for handle in batch:
            handle.cancel()
        del batch
        loop.run_until_complete(asyncio.sleep(0))
    assert fired == list(range(BATCHES))
    # What is left of a million cancelled handles: a few, not a heap full.
    assert live_timer_handles(loop) < 1000


@pytest.mark.ours_only
def test_cancelled_timers_compacted_without_running(loop):
    # asyncio drops cancelled timers in its next iteration; ours as soon as
    # they are most of the heap, so a loop that never iterates stays small.
    no_debug(loop)
    keep = [loop.call_later(3600, noop) for _ in range(10)]
    for _ in range(BATCHES):
        batch = [loop.call_later(3600, noop) for _ in range(PER_BATCH)]
        for handle in batch:
            handle.cancel()
        del batch
    assert len(loop._timers) < 2 * PER_BATCH
    assert live_timer_handles(loop) < 2 * PER_BATCH
    assert not any(h.cancelled() for h in keep)
    for h in keep:
        h.cancel()


class NoEquality:
    """An argument that cannot be compared (like a numpy array)."""

    def __eq__(self, other):
        raise TypeError("no == for this type")

    __hash__ = object.__hash__


def test_timers_at_same_time_never_compare_args(loop):
    calls = []
    when = loop.time() + 0.001
    for _ in range(3):
        loop.call_at(when, calls.append, NoEquality())
    loop.call_at(when + 0.001, loop.stop)
    loop.run_forever()
    assert len(calls) == 3


def test_timer_cancelled_by_one_due_at_the_same_time(loop):
    calls = []
    when = loop.time() + 0.001
    loop.call_at(when, lambda: (calls.append("a"), b.cancel()))
    b = loop.call_at(when, calls.append, "b")
    loop.call_at(when + 0.001, loop.stop)
    loop.run_forever()
    assert calls == ["a"]
    assert b.cancelled()


@pytest.mark.ours_only
def test_timers_at_same_time_run_in_order_made_after_cancellations(loop):
    # asyncio's heap does not keep ties in order; ours does. Enough
    # cancelled timers to compact the heap while live ones share a due time.
    calls = []
    when = loop.time() + 0.01
    doomed = []
    for i in range(300):
        loop.call_at(when, calls.append, i)
        doomed.append(loop.call_at(when, calls.append, "cancelled"))
        doomed.append(loop.call_later(3600, noop))
    for handle in doomed:
        handle.cancel()
    loop.call_at(when + 0.001, loop.stop)
    loop.run_forever()
    assert calls == list(range(300))


@pytest.mark.ours_only
def test_cancelling_timers_that_share_a_due_time_compacts_rarely(loop):
    # The heap has one entry per due time: cancelling many timers that share
    # one must not compact (a pass over every timer) every few cancellations.
    compactions = []
    compact = loop._compact_timers

    def counting_compact():
        compactions.append(len(loop._timers))
        compact()

    loop._compact_timers = counting_compact
    when = loop.time() + 3600
    handles = [loop.call_at(when, noop) for _ in range(PER_BATCH)]
    for handle in handles:
        handle.cancel()
    assert 1 <= len(compactions) <= 20
    assert loop._timer_cancelled_count < PER_BATCH // 2


# -- NaN and infinite delays (issue 13) ---------------------------------------

NAN = float("nan")
INF = float("inf")


def ours(loop):
    import loop_core

    return isinstance(loop, loop_core.EventLoop)


def still_usable(loop):
    # Another run after the odd timers: nothing left behind breaks it.
    assert loop.run_until_complete(asyncio.sleep(0.001, "fine")) == "fine"


def test_nan_delay_runs_with_work_queued(loop):
    out = []
    handle = loop.call_later(NAN, out.append, "nan")
    assert handle.when() != handle.when()  # NaN, as asked
    loop.call_soon(out.append, "soon")
    loop.run_until_complete(asyncio.sleep(0.01))
    assert out == ["soon", "nan"]
    still_usable(loop)


def test_nan_timer_does_not_hold_up_others(loop):
    out = []
    loop.call_later(0.01, out.append, "finite")
    loop.call_at(NAN, out.append, "nan")
    loop.call_later(0.05, loop.stop)
    loop.run_forever()
    assert sorted(out) == ["finite", "nan"]
    still_usable(loop)


def test_nan_timer_cancelled(loop):
    out = []
    loop.call_later(NAN, out.append, "cancelled").cancel()
    loop.call_later(NAN, out.append, "kept")
    loop.call_soon(out.append, "soon")
    loop.run_until_complete(asyncio.sleep(0.01))
    assert out == ["soon", "kept"]
    still_usable(loop)


@pytest.mark.ours_only  # asyncio 3.13+ raises ValueError from select()
@pytest.mark.parametrize("schedule", ["call_later", "call_at"])
def test_lone_nan_timer_runs_next_iteration(loop, schedule):
    # With nothing else to do, asyncio 3.11/3.12 run it at once; so do we,
    # on every Python, instead of asking the poller to wait NaN seconds.
    fut = loop.create_future()
    getattr(loop, schedule)(NAN, fut.set_result, "ran")
    assert loop.run_until_complete(fut) == "ran"
    still_usable(loop)


def test_infinite_delays(loop):
    out = []
    never = loop.call_later(INF, out.append, "inf")
    loop.call_at(INF, out.append, "at inf")
    loop.call_later(-INF, out.append, "-inf")
    loop.call_at(-INF, out.append, "at -inf")
    loop.run_until_complete(asyncio.sleep(0.01))
    assert out == ["-inf", "at -inf"]
    assert never.when() == INF
    never.cancel()
    still_usable(loop)


def test_wait_for_nan_timeout(loop):
    if not ours(loop) and sys.version_info >= (3, 13):
        pytest.skip("asyncio 3.13+ raises ValueError from select() here")

    async def main():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(loop.create_future(), NAN)
        return await asyncio.wait_for(asyncio.sleep(0, "done"), INF)

    assert loop.run_until_complete(main()) == "done"
    still_usable(loop)


def test_sleep_nan_and_inf(loop):
    async def main():
        if sys.version_info >= (3, 13):
            with pytest.raises(ValueError):  # asyncio.sleep() checks from 3.13
                await asyncio.sleep(NAN)
        else:
            await asyncio.sleep(NAN)
        sleeper = asyncio.ensure_future(asyncio.sleep(INF))
        await asyncio.sleep(0.01)
        assert not sleeper.done()
        sleeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeper
        return "ok"

    assert loop.run_until_complete(main()) == "ok"
    still_usable(loop)
