"""call_soon throughput: the ready queue and the loop iteration, nothing else.

Why: every Future result, every Task step and every I/O readiness callback
goes through ``call_soon``, so the cost of one scheduled callback is the
loop's basic unit of overhead. Two shapes weigh two different costs:

- ``chain``: one callback re-schedules itself, so the ready queue holds one
  handle and every loop iteration runs exactly one callback. This weighs the
  fixed cost of an iteration (a zero-timeout poll, the timer check, taking
  the ready queue) as much as the handle itself.
- ``chain_io``: the same chain while one idle socket is watched. A loop may
  skip the poll system call when it watches no fd at all, which only a
  benchmark ever does: real programs always have a connection or a wake-up
  pipe of their own open. This variant keeps the per-iteration poll in.
- ``fan``: each round schedules ``FAN_WIDTH`` callbacks at once, so a single
  iteration drains a long queue. This weighs the per-handle cost (creating a
  Handle, appending it, running it in its context).

Each function takes a fresh loop and a size, and returns
``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import socket
import time

FAN_WIDTH = 1000


def chain(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """One callback that re-schedules itself with call_soon ``n`` times."""
    remaining = n

    def step() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining > 0:
            loop.call_soon(step)
        else:
            loop.stop()

    loop.call_soon(step)
    start = time.perf_counter()
    loop.run_forever()
    return n, time.perf_counter() - start


def chain_io(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """The call_soon chain while one idle socket is watched for reading."""
    idle, peer = socket.socketpair()
    with idle, peer:
        loop.add_reader(idle.fileno(), _never_called)
        try:
            return chain(loop, n)
        finally:
            loop.remove_reader(idle.fileno())


def _never_called() -> None:
    raise AssertionError("nothing is ever sent to the idle socket")


def fan(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """Rounds of ``FAN_WIDTH`` call_soon each; the last leaf starts the next."""
    rounds_left = max(1, n // FAN_WIDTH)
    total = rounds_left * FAN_WIDTH
    pending = 0

    def leaf() -> None:
        nonlocal pending
        pending -= 1
        if pending == 0:
            start_round()

    def start_round() -> None:
        nonlocal pending, rounds_left
        if rounds_left == 0:
            loop.stop()
            return
        rounds_left -= 1
        pending = FAN_WIDTH
        call_soon = loop.call_soon
        for _ in range(FAN_WIDTH):
            call_soon(leaf)

    loop.call_soon(start_round)
    start = time.perf_counter()
    loop.run_forever()
    return total, time.perf_counter() - start
