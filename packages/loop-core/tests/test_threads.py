"""call_soon_threadsafe: waking the loop from other threads."""

import asyncio
import gc
import os
import threading

import loop_core._loop
import pytest

THREADS = 8
CALLS = 20_000


def test_call_soon_threadsafe_wakes_sleeping_loop(loop):
    # Ping-pong: each round the loop goes idle (no timers, no ready work)
    # waiting for a future that only another thread resolves.
    rounds = 200
    asked = threading.Event()
    seen = []
    state = {"fut": None}

    def helper():
        for i in range(rounds):
            assert asked.wait(10)
            asked.clear()
            fut = state["fut"]
            loop.call_soon_threadsafe(fut.set_result, i)

    async def main():
        for _ in range(rounds):
            state["fut"] = loop.create_future()
            loop.call_soon(asked.set)
            seen.append(await state["fut"])

    thread = threading.Thread(target=helper)
    thread.start()
    try:
        # A watchdog: a lost wake-up fails the test instead of hanging it.
        watchdog = loop.call_later(20, loop.stop)
        loop.run_until_complete(main())
        watchdog.cancel()
    finally:
        asked.set()
        thread.join(10)
    assert seen == list(range(rounds))


def test_many_threads_each_call_runs_once_in_order(loop):
    results = [[] for _ in range(THREADS)]
    done = loop.create_future()
    total = [0]
    start = threading.Barrier(THREADS)

    def record(tid, i):
        results[tid].append(i)
        total[0] += 1
        if total[0] == THREADS * CALLS:
            done.set_result(None)

    def producer(tid):
        start.wait()
        call = loop.call_soon_threadsafe
        for i in range(CALLS):
            call(record, tid, i)

    threads = [threading.Thread(target=producer, args=(t,)) for t in range(THREADS)]

    def start_threads():
        for t in threads:
            t.start()

    loop.call_soon(start_threads)
    try:
        loop.run_until_complete(asyncio.wait_for(done, 30))
    finally:
        for t in threads:
            t.join(30)
    # One more turn: nothing is run twice.
    loop.run_until_complete(asyncio.sleep(0))
    assert total[0] == THREADS * CALLS
    for tid in range(THREADS):
        assert results[tid] == list(range(CALLS)), f"thread {tid}"


def test_call_soon_threadsafe_returns_cancellable_handle(loop):
    calls = []

    def other_thread():
        h = loop.call_soon_threadsafe(calls.append, "cancelled")
        h.cancel()
        loop.call_soon_threadsafe(calls.append, "ran")
        loop.call_soon_threadsafe(loop.stop)

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    loop.run_forever()
    assert calls == ["ran"]


def test_async_generator_dropped_in_another_thread_is_closed_on_the_loop(loop):
    # The finalizer hook runs in the thread that drops the generator; its
    # aclose() must still run in the loop's thread.
    closed_in = loop.create_future()

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            closed_in.set_result(threading.get_ident())

    async def main():
        gen = agen()
        assert await gen.__anext__() == 1
        box = [gen]
        del gen

        def drop():
            box.clear()  # the last reference
            gc.collect()  # PyPy finalizes at a collection, not at once

        thread = threading.Thread(target=drop)
        thread.start()
        await loop.run_in_executor(None, thread.join, 10)
        return await asyncio.wait_for(closed_in, 10)

    assert loop.run_until_complete(main()) == threading.get_ident()
    loop.run_until_complete(loop.shutdown_default_executor())


@pytest.mark.ours_only
def test_without_a_gil_every_call_writes_the_wake_up_byte(loop, monkeypatch):
    # Free-threaded builds do not get the polling flag's shortcut: the
    # flag's protocol relies on the GIL ordering the two threads.
    pipe = loop._self_pipe
    loop.call_soon_threadsafe(print).cancel()
    with pytest.raises(BlockingIOError):
        os.read(pipe.read_fd, 1)  # not polling: no byte
    monkeypatch.setattr(loop_core._loop, "_NO_GIL", True)
    loop.call_soon_threadsafe(print).cancel()
    assert os.read(pipe.read_fd, 1) == b"\0"
