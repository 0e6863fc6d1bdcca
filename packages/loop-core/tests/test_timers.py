"""The timer heap: cancelled timers do not pile up; ties at one time."""

import asyncio
import gc
import itertools
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loop_core import _duesort, _timers

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
    assert loop._timers.stored < 2 * PER_BATCH
    assert len(loop._timers) == len(keep)
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
def test_cancelling_timers_that_share_a_due_time_compacts_rarely(loop, monkeypatch):
    # The heap has one entry per due time: cancelling many timers that share
    # one must not compact (a pass over every timer) every few cancellations.
    from loop_core._timers import TimerQueue

    compactions = []
    compact = TimerQueue.compact

    def counting_compact(queue):
        compactions.append(queue.stored)
        compact(queue)

    monkeypatch.setattr(TimerQueue, "compact", counting_compact)
    when = loop.time() + 3600
    handles = [loop.call_at(when, noop) for _ in range(PER_BATCH)]
    for handle in handles:
        handle.cancel()
    assert 1 <= len(compactions) <= 20
    assert loop._timers._cancelled < PER_BATCH // 2


# -- NaN and infinite delays (issue 13) ---------------------------------------

NAN = float("nan")
INF = float("inf")


def ours(loop):
    import loop_core

    return isinstance(loop, loop_core.EventLoop)


def still_usable(loop):
    # Another run after the odd timers: nothing left behind breaks it.
    assert loop.run_until_complete(asyncio.sleep(0.001, "fine")) == "fine"


def test_patched_loop_time_moves_timers(loop):
    # Timers read the clock through loop.time(), as asyncio's do: tests
    # (aiohttp's keep-alive ones) move time with mock.patch.object.
    from unittest import mock

    async def main():
        fired = asyncio.Event()
        timer = loop.call_later(3600, fired.set)
        later = loop.time() + 3601
        with mock.patch.object(loop, "time", return_value=later):
            await fired.wait()
            assert loop.call_later(1, noop).when() == later + 1
            assert loop.call_at(later + 2, noop).when() == later + 2
        assert timer.when() < later

    # No wait_for: its own timeout would fall due at the patched time too;
    # the test's timeout (pytest-timeout) bounds it.
    loop.run_until_complete(main())


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


# -- TimerQueue on its own ----------------------------------------------------


def make_queue(*whens):
    """A TimerQueue and its timers, with no loop: a stub stands in for the
    loop's two attributes a TimerHandle reads."""
    from loop_core._handles import TimerHandle
    from loop_core._timers import TimerQueue

    class Owner:
        _debug = False
        _timers = TimerQueue()

    timers = [TimerHandle(w, noop, (), Owner()) for w in whens]  # type: ignore[arg-type]
    for timer in timers:
        Owner._timers.push(timer, timer._when)
    return Owner._timers, timers


@pytest.mark.ours_only
def test_timer_queue_pops_in_due_order_ties_in_order_made():
    queue, timers = make_queue(3.0, 1.0, 2.0, 1.0, NAN, 1.0, INF)
    assert len(queue) == 7
    timers[3].cancel()
    assert len(queue) == 6
    popped = []
    queue.pop_due(2.0, popped.append)
    assert popped == [timers[4], timers[1], timers[5], timers[2]]
    assert not any(t._scheduled for t in timers[1:6])
    queue.pop_due(100.0, popped.append)
    assert popped[-1] is timers[0]
    assert len(queue) == 1  # the infinite one
    queue.clear()
    assert len(queue) == 0 and queue.stored == 0
    assert not timers[6]._scheduled


@pytest.mark.ours_only
def test_timer_queue_compacts_once_most_are_cancelled():
    queue, timers = make_queue(*(float(i % 7) for i in range(1000)))
    for timer in timers[:600]:
        timer.cancel()
    # Compacted once cancellations passed half: only live timers are left,
    # and pop_due hands them out in due order, ties in the order made.
    assert queue.stored < 500  # compacted once: not 1000 held
    assert len(queue) == 400
    popped = []
    queue.pop_due(10.0, popped.append)
    assert popped == sorted(timers[600:], key=lambda t: t._when)
    assert len(queue) == 0


@pytest.mark.ours_only
def test_timer_queue_drops_timers_cancelled_before_they_are_filed():
    # A timeout cancelled in the iteration that made it (the usual fate of
    # wait_for's and asyncio.timeout's) is dropped when the queue files what
    # came in: it is neither sorted nor pushed, and not held until due.
    queue, timers = make_queue(*(float(i) for i in range(1, 301)))
    for timer in timers[::3]:
        timer.cancel()
    queue.pop_due(0.0, [].append)  # files what came in; nothing is due yet
    assert queue.stored == len(queue) == 200  # 100 of 300: too few to compact
    assert not any(t._scheduled for t in timers[::3])
    popped = []
    queue.pop_due(1000.0, popped.append)
    assert [id(t) for t in popped] == [id(t) for i, t in enumerate(timers) if i % 3]


_WHENS = [0.0, 1.0, 1.0, 2.0, 3.0, 5.0, 8.0, INF, NAN]


@pytest.mark.ours_only
@pytest.mark.parametrize(
    "sort", [_duesort.key_sort, _duesort.distribute], ids=lambda f: f.__name__
)
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("push"),
                st.lists(
                    st.one_of(st.sampled_from(_WHENS), st.floats(0.0, 10.0)),
                    max_size=60,
                ),
            ),
            st.tuples(st.just("cancel"), st.integers(0, 10**6)),
            st.tuples(st.just("pop"), st.sampled_from([0.0, 1.0, 2.5, 5.0, 100.0])),
        ),
        max_size=40,
    )
)
def test_timer_queue_agrees_with_a_sorted_list(sort, ops):
    # Batches big and small (the heap and the sorted run), cancellations
    # (compaction) and pops, against the plain rule: due order, NaN first,
    # ties in the order made; and next_due never later than a live timer.
    # With each interpreter's sort of a run, on every interpreter.
    chosen = _timers.sort_by_due
    _timers.sort_by_due = sort
    try:
        check_timer_queue(ops)
    finally:
        _timers.sort_by_due = chosen


def check_timer_queue(ops):
    queue, _ = make_queue()
    made = []  # (due key, order made, timer) of every live timer
    order_made = itertools.count()
    from loop_core._handles import TimerHandle

    class Owner:
        _debug = False
        _timers = queue

    for op, arg in ops:
        if op == "push":
            for when in arg:
                timer = TimerHandle(when, noop, (), Owner())  # type: ignore[arg-type]
                queue.push(timer, when)
                key = float("-inf") if when != when else when
                made.append((key, next(order_made), timer))
        elif op == "cancel" and made:
            made.pop(arg % len(made))[2].cancel()
        elif op == "pop":
            popped = []
            queue.pop_due(arg, popped.append)
            due = sorted((m for m in made if m[0] <= arg), key=lambda m: m[:2])
            # by identity: equal-looking TimerHandles compare equal
            assert [id(t) for t in popped] == [id(m[2]) for m in due]
            made = [m for m in made if m[0] > arg]
        assert len(queue) == len(made)
        if made:
            assert queue.next_due <= min(m[0] for m in made)
