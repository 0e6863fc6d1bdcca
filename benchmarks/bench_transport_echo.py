"""Protocol-level echo and bulk transfer over loop.create_server /
loop.create_connection transports.

Why: ``bench_sock_echo`` measures the loop's own I/O path; this one adds
what most asyncio programs actually run on top of it: stream transports
(write buffering, readiness callbacks calling ``data_received``) and
flow control. On our loop that is loop-transports' SocketTransport over
loop-core's FdTransport; on asyncio's it is its selector transports.

- ``tcp``: ``CONNECTIONS`` TCP connections on 127.0.0.1, each doing 1 KiB
  round trips: the client writes, the server's protocol echoes from
  ``data_received``, the client writes again once the whole echo is back.
- ``unix``: the same over a Unix-socket server (create_unix_server /
  create_unix_connection).
- ``bulk``: one TCP connection, the client writes 64 KiB chunks as fast as
  ``pause_writing()`` / ``resume_writing()`` allow; the server's protocol
  counts the bytes. One operation is one 64 KiB write delivered.

Servers and connections are set up before the clock starts and closed
afterwards, whatever happens. Each function takes a fresh loop and a size,
and returns ``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable

MESSAGE_SIZE = 1024
CONNECTIONS = 10
CHUNK = 64 * 1024

Connect = Callable[[Callable[[], asyncio.Protocol]], Awaitable[tuple[object, object]]]


def tcp(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB echo round trips, 10 TCP transport connections at once."""
    return loop.run_until_complete(_tcp_echo(loop, n))


def unix(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB echo round trips, 10 Unix-socket transport connections at once."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "echo.sock")
        return loop.run_until_complete(_unix_echo(loop, n, path))


def bulk(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """64 KiB writes through one TCP transport, with flow control."""
    return loop.run_until_complete(_bulk(loop, n))


class _Closing(asyncio.Protocol):
    """Tells ``closed`` when the connection is gone, so that every run can
    end with all of its transports closed (asyncio 3.11's wait_closed()
    does not wait for them)."""

    def __init__(self) -> None:
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Echo(_Closing):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class _Pinger(_Closing):
    """Writes a message, waits for all of it to come back, ``trips`` times."""

    def __init__(self) -> None:
        super().__init__()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.message = b"x" * MESSAGE_SIZE
        self.trips = 0
        self.pending = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def start(self, trips: int) -> None:
        self.trips = trips
        self.pending = MESSAGE_SIZE
        self.transport.write(self.message)

    def data_received(self, data: bytes) -> None:
        self.pending -= len(data)
        if self.pending:
            return
        self.trips -= 1
        if self.trips:
            self.pending = MESSAGE_SIZE
            self.transport.write(self.message)
        else:
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed early"))


async def _tcp_echo(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    echoes: list[_Closing] = []
    server = await loop.create_server(_collect(echoes, _Echo), "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    try:
        return await _echo(n, lambda f: loop.create_connection(f, host, port))
    finally:
        server.close()
        await _all_closed(echoes)
        await server.wait_closed()


async def _unix_echo(
    loop: asyncio.AbstractEventLoop, n: int, path: str
) -> tuple[int, float]:
    echoes: list[_Closing] = []
    server = await loop.create_unix_server(_collect(echoes, _Echo), path)
    try:
        return await _echo(n, lambda f: loop.create_unix_connection(f, path))
    finally:
        server.close()
        await _all_closed(echoes)
        await server.wait_closed()


def _collect(
    made: list[_Closing], factory: Callable[[], _Closing]
) -> Callable[[], _Closing]:
    def make() -> _Closing:
        made.append(factory())
        return made[-1]

    return make


async def _all_closed(protocols: list[_Closing]) -> None:
    await asyncio.gather(*(p.closed for p in protocols), return_exceptions=True)


async def _echo(n: int, connect: Connect) -> tuple[int, float]:
    pingers: list[_Pinger] = []
    try:
        for _ in range(CONNECTIONS):
            _, protocol = await connect(_Pinger)
            assert isinstance(protocol, _Pinger)
            pingers.append(protocol)
        trips = max(1, n // CONNECTIONS)
        start = time.perf_counter()
        for pinger in pingers:
            pinger.start(trips)
        await asyncio.gather(*(p.done for p in pingers))
        return trips * CONNECTIONS, time.perf_counter() - start
    finally:
        for pinger in pingers:
            pinger.transport.close()
        await _all_closed(list(pingers))


class _Sink(_Closing):
    """Counts bytes; resolves ``done`` once ``expected`` have arrived."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.expected = expected

    def data_received(self, data: bytes) -> None:
        self.expected -= len(data)
        if self.expected <= 0 and not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed early"))


class _Writer(_Closing):
    def __init__(self) -> None:
        super().__init__()
        self.can_write = asyncio.Event()
        self.can_write.set()

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()


async def _bulk(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    sinks: list[_Closing] = []
    server = await loop.create_server(
        _collect(sinks, lambda: _Sink(n * CHUNK)), "127.0.0.1", 0
    )
    host, port = server.sockets[0].getsockname()[:2]
    transport = writer = None
    try:
        transport, writer = await loop.create_connection(_Writer, host, port)
        assert isinstance(writer, _Writer)
        while not sinks:
            await asyncio.sleep(0)
        chunk = b"x" * CHUNK
        start = time.perf_counter()
        for _ in range(n):
            if not writer.can_write.is_set():
                await writer.can_write.wait()
            transport.write(chunk)
        sink = sinks[0]
        assert isinstance(sink, _Sink)
        await sink.done
        return n, time.perf_counter() - start
    finally:
        if transport is not None:
            transport.close()
        server.close()
        await _all_closed(sinks if writer is None else [*sinks, writer])
        await server.wait_closed()
