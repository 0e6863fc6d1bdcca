"""Subprocesses: how fast children start and are reaped, and how fast bytes
cross their pipes.

Why: a subprocess costs the loop a spawn, up to three pipe transports, a
child watch (pidfd or thread) and the callbacks that tie them together;
and a pipe is the transport path with the smallest kernel cost, so the
loop's own share of a bulk transfer shows.

- ``spawn``: start ``true`` with ``loop.subprocess_exec`` (stdin, stdout and
  stderr piped, the method's defaults) and wait until the transport's
  ``connection_lost``: ``PARALLEL`` children at a time.
- ``pipe``: push bytes through ``cat``: the parent writes 256 KiB chunks to
  its stdin honouring ``pause_writing`` / ``resume_writing`` and reads them
  back from its stdout. One operation is one byte.

Each function takes a fresh loop and a size and returns
``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import time
from typing import cast

PARALLEL = 10
CHUNK = 256 * 1024


class _Exit(asyncio.SubprocessProtocol):
    def __init__(self, done: asyncio.Future[None]) -> None:
        self.done = done

    def connection_lost(self, exc: Exception | None) -> None:
        self.done.set_result(None)


def spawn(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """Spawn-and-wait `true`, 10 children at a time."""
    return n, loop.run_until_complete(_spawn_main(loop, n))


async def _spawn_main(loop: asyncio.AbstractEventLoop, n: int) -> float:
    async def one() -> None:
        done: asyncio.Future[None] = loop.create_future()
        transport, _ = await loop.subprocess_exec(lambda: _Exit(done), "true")
        try:
            await done
        finally:
            transport.close()

    async def worker(count: int) -> None:
        for _ in range(count):
            await one()

    shares = [n // PARALLEL + (1 if i < n % PARALLEL else 0) for i in range(PARALLEL)]
    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in shares))
    return time.perf_counter() - start


class _Cat(asyncio.SubprocessProtocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, total: int) -> None:
        self.total = total
        self.received = 0
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.done: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.received += len(data)

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.done.set_result(None)


def pipe(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """Bytes through `cat` (stdin to stdout), flow-controlled."""
    return n, loop.run_until_complete(_pipe_main(loop, n))


async def _pipe_main(loop: asyncio.AbstractEventLoop, n: int) -> float:
    transport, protocol = await loop.subprocess_exec(
        lambda: _Cat(loop, n), "cat", stderr=None
    )
    try:
        # uvloop's pipe transports are not asyncio.WriteTransport subclasses
        stdin = cast(asyncio.WriteTransport, transport.get_pipe_transport(0))
        chunk = b"x" * CHUNK
        start = time.perf_counter()
        sent = 0
        while sent < n:
            await protocol.can_write.wait()
            piece = chunk if n - sent >= CHUNK else chunk[: n - sent]
            stdin.write(piece)
            sent += len(piece)
        stdin.close()
        await protocol.done
        elapsed = time.perf_counter() - start
    finally:
        transport.close()
    if protocol.received != n:
        raise RuntimeError(f"cat returned {protocol.received} bytes of {n}")
    return elapsed
