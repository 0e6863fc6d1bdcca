"""Timer throughput: call_later, cancel and the timer heap.

Why: timeouts are everywhere in real programs (``asyncio.wait_for``,
``asyncio.timeout``, retry back-off, idle connections) and most of them are
cancelled before they fire. What matters is the cost of scheduling a timer,
of cancelling it, and of moving due timers to the ready queue. Two shapes:

- ``spread``: ``n`` timers with random delays spread over ``SPREAD`` seconds,
  every second one cancelled right after it is scheduled, run until every
  live timer has fired. The delays are random so the heap sees real work,
  not sorted inserts. Every scheduled timer counts as one operation, fired
  or cancelled.
- ``later_chain``: one callback that re-schedules itself with
  ``call_later(0, ...)``, so each step goes through the heap instead of the
  ready queue. Compare with ``bench_call_soon.chain``.

Each function takes a fresh loop and a size, and returns
``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import random
import time

SPREAD = 0.005  # seconds over which the timers' delays are spread
SEED = 20240601


def spread(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """``n`` call_later timers over ~5 ms, half cancelled, until all fired."""
    rng = random.Random(SEED)
    delays = [rng.random() * SPREAD for _ in range(n)]
    live = n // 2  # handles[::2] (the other, larger half) is cancelled
    fired = 0

    def fire() -> None:
        nonlocal fired
        fired += 1
        if fired == live:
            loop.stop()

    def schedule() -> None:
        call_later = loop.call_later
        handles = [call_later(delay, fire) for delay in delays]
        for handle in handles[::2]:
            handle.cancel()
        if live == 0:
            loop.stop()

    loop.call_soon(schedule)
    start = time.perf_counter()
    loop.run_forever()
    return n, time.perf_counter() - start


def later_chain(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """One callback that re-schedules itself with call_later(0) ``n`` times."""
    remaining = n

    def step() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining > 0:
            loop.call_later(0, step)
        else:
            loop.stop()

    loop.call_later(0, step)
    start = time.perf_counter()
    loop.run_forever()
    return n, time.perf_counter() - start
