"""Streams: open_connection / start_server ping-pong, long lines, bulk reads.

Why: streams are how most asyncio code does I/O, so this is the path a
typical program takes: a protocol feeding a StreamReader, a task waking up
in ``readexactly`` / ``readline`` / ``read``, ``write`` + ``drain``.

Each loop runs its *own* streams: loop_streams on our loop, asyncio's
streams on asyncio's loop and on uvloop (what a user of each gets). The
``*_with`` factories pin one implementation, to compare the streams alone
on one loop.

- ``echo``: ``CONNECTIONS`` TCP loopback connections; a round trip is 1 KiB
  written by the client, read with ``readexactly`` by the server, written
  back and read with ``readexactly`` by the client.
- ``echo_unix``: the same over Unix-socket connections (less kernel time
  per message, so more of it is the loop and the streams).
- ``readline``: one connection; the server writes 64 KiB lines (the default
  limit), the client reads them with ``readline``. One op is one line.
- ``bulk_read``: one connection; the server writes 64 KiB chunks then
  closes, the client reads everything with ``read()``. One op is 64 KiB.

Each function takes a fresh loop and a size, and returns ``(operations,
seconds)`` for the timed part only (connections are made before the clock
starts and closed afterwards).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

MESSAGE_SIZE = 1024
CONNECTIONS = 10
LINE_SIZE = 64 * 1024
CHUNK_SIZE = 64 * 1024

BenchFunction = Callable[[asyncio.AbstractEventLoop, int], tuple[int, float]]
Body = Callable[[Any, int, list[float]], Awaitable[int]]


def native_streams(loop: asyncio.AbstractEventLoop) -> ModuleType:
    """loop_streams on our loop, asyncio's streams on any other."""
    try:
        import loop_core
        import loop_streams
    except ModuleNotFoundError:
        return asyncio
    return loop_streams if isinstance(loop, loop_core.EventLoop) else asyncio


def echo(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB readexactly ping-pong over 10 TCP connections, per round trip."""
    return _run(loop, native_streams(loop), _echo, n)


def echo_unix(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB readexactly ping-pong over 10 Unix-socket connections, per trip."""
    return _run(loop, native_streams(loop), _echo_unix, n)


def readline(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """64 KiB lines read with readline() over TCP, per line."""
    return _run(loop, native_streams(loop), _readline, n)


def bulk_read(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """read() to EOF over TCP, per 64 KiB received."""
    return _run(loop, native_streams(loop), _bulk_read, n)


def with_streams(function: BenchFunction, streams: ModuleType) -> BenchFunction:
    """``function`` with the streams implementation pinned to ``streams``."""
    bodies: dict[BenchFunction, Body] = {
        echo: _echo,
        echo_unix: _echo_unix,
        readline: _readline,
        bulk_read: _bulk_read,
    }
    body = bodies[function]

    def pinned(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
        return _run(loop, streams, body, n)

    pinned.__doc__ = function.__doc__
    pinned.__name__ = f"{function.__name__}_{streams.__name__}"
    return pinned


def _run(
    loop: asyncio.AbstractEventLoop, streams: Any, body: Body, n: int
) -> tuple[int, float]:
    timing: list[float] = []
    ops = loop.run_until_complete(body(streams, n, timing))
    return ops, timing[0]


async def _echo(streams: Any, n: int, timing: list[float]) -> int:
    return await _echo_over(streams, n, timing, unix=False)


async def _echo_unix(streams: Any, n: int, timing: list[float]) -> int:
    return await _echo_over(streams, n, timing, unix=True)


async def _echo_over(streams: Any, n: int, timing: list[float], unix: bool) -> int:
    trips = max(1, n // CONNECTIONS)

    async def serve(reader: Any, writer: Any) -> None:
        try:
            while True:
                try:
                    data = await reader.readexactly(MESSAGE_SIZE)
                except asyncio.IncompleteReadError:
                    return
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def client(reader: Any, writer: Any) -> None:
        message = b"x" * MESSAGE_SIZE
        for _ in range(trips):
            writer.write(message)
            await writer.drain()
            await reader.readexactly(MESSAGE_SIZE)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "echo.sock")
        if unix:
            server = await streams.start_unix_server(serve, path)
        else:
            server = await streams.start_server(serve, "127.0.0.1", 0)
        pairs = []
        try:
            for _ in range(CONNECTIONS):
                if unix:
                    pairs.append(await streams.open_unix_connection(path))
                else:
                    port = server.sockets[0].getsockname()[1]
                    pairs.append(await streams.open_connection("127.0.0.1", port))
            start = time.perf_counter()
            await asyncio.gather(*(client(r, w) for r, w in pairs))
            timing.append(time.perf_counter() - start)
        finally:
            await _close(server, pairs)
    return trips * CONNECTIONS


def _repeat(payload: bytes, n: int) -> Callable[[Any, Any], Awaitable[None]]:
    """A server handler that writes ``payload`` ``n`` times, then closes."""

    async def serve(reader: Any, writer: Any) -> None:
        try:
            for _ in range(n):
                writer.write(payload)
                await writer.drain()
        finally:
            writer.close()

    return serve


async def _readline(streams: Any, n: int, timing: list[float]) -> int:
    line = b"y" * (LINE_SIZE - 1) + b"\n"

    async def client(reader: Any) -> None:
        for _ in range(n):
            if len(await reader.readline()) != LINE_SIZE:
                raise AssertionError("short line")

    await _one_connection(streams, _repeat(line, n), client, timing)
    return n


async def _bulk_read(streams: Any, n: int, timing: list[float]) -> int:
    async def client(reader: Any) -> None:
        if len(await reader.read()) != n * CHUNK_SIZE:
            raise AssertionError("short read")

    await _one_connection(streams, _repeat(b"z" * CHUNK_SIZE, n), client, timing)
    return n


async def _one_connection(
    streams: Any,
    serve: Callable[[Any, Any], Awaitable[None]],
    client: Callable[[Any], Awaitable[None]],
    timing: list[float],
) -> None:
    started = asyncio.Event()

    async def gated(reader: Any, writer: Any) -> None:
        await started.wait()
        await serve(reader, writer)

    server = await streams.start_server(gated, "127.0.0.1", 0)
    pairs = []
    try:
        port = server.sockets[0].getsockname()[1]
        pairs.append(await streams.open_connection("127.0.0.1", port))
        start = time.perf_counter()
        started.set()
        await client(pairs[0][0])
        timing.append(time.perf_counter() - start)
    finally:
        await _close(server, pairs)


async def _close(server: Any, pairs: list[tuple[Any, Any]]) -> None:
    for _, writer in pairs:
        writer.close()
    for _, writer in pairs:
        try:
            await writer.wait_closed()
        except OSError:
            pass
    server.close()
    await server.wait_closed()
