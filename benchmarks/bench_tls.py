"""TLS echo over loop.create_server / loop.create_connection with ``ssl=``.

Why: TLS is where a pure-Python transport spends the most Python per byte
(every read and write goes through ``ssl.MemoryBIO`` and an SSLObject), so
it shows whether our TLS layer is as lean as asyncio's sslproto.

- ``pingpong``: ``CONNECTIONS`` TLS 1.3 connections over 127.0.0.1, each
  doing 1 KiB round trips with protocol callbacks (no streams, no tasks in
  the timed part): write, wait for the whole echo, write again.
- ``bulk``: one TLS connection; the client writes 64 KiB chunks as fast as
  write flow control lets it, the server counts them.

Certificates come from ``trustme`` (made once per process). Connections and
the server are set up before the clock starts and closed afterwards,
whatever happens. Each function takes a fresh loop and a size, and returns
``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

MESSAGE_SIZE = 1024
CONNECTIONS = 10
CHUNK_SIZE = 64 * 1024


@functools.cache
def _contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    client = ssl.create_default_context()
    try:
        import trustme
    except ImportError:
        # No cryptography wheel for PyPy 3.11: loop-core's test certificates,
        # made with the openssl command, instead.
        from loop_core._testcerts import make_certificates

        directory = Path(tempfile.mkdtemp(prefix="bench-tls-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        files = make_certificates(directory, "localhost")
        server.load_cert_chain(files.cert_file, files.key_file)
        client.load_verify_locations(files.ca_file)
        return server, client
    ca = trustme.CA()
    ca.issue_cert("localhost").configure_cert(server)
    ca.configure_trust(client)
    return server, client


def pingpong(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB TLS round trips over 10 loopback connections at once."""
    trips = max(1, n // CONNECTIONS)
    elapsed = loop.run_until_complete(_pingpong(loop, trips))
    return trips * CONNECTIONS, elapsed


def bulk(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """64 KiB chunks through one TLS connection, with flow control."""
    elapsed = loop.run_until_complete(_bulk(loop, n))
    return n, elapsed


class _Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class _PingPong(asyncio.Protocol):
    def __init__(self, trips: int) -> None:
        self.trips = trips
        self.received = 0
        self.message = b"x" * MESSAGE_SIZE
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def start(self) -> None:
        self.transport.write(self.message)

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.received < MESSAGE_SIZE:
            return
        self.received -= MESSAGE_SIZE
        self.trips -= 1
        if self.trips:
            self.transport.write(self.message)
        elif not self.done.done():
            self.done.set_result(None)


async def _pingpong(loop: asyncio.AbstractEventLoop, trips: int) -> float:
    server_ctx, client_ctx = _contexts()
    server = await loop.create_server(_Echo, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    transports: list[asyncio.BaseTransport] = []
    try:
        clients: list[_PingPong] = []
        for _ in range(CONNECTIONS):
            transport, protocol = await loop.create_connection(
                lambda: _PingPong(trips),
                "127.0.0.1",
                port,
                ssl=client_ctx,
                server_hostname="localhost",
            )
            transports.append(transport)
            clients.append(protocol)
        start = time.perf_counter()
        for client in clients:
            client.start()
        await asyncio.gather(*(client.done for client in clients))
        return time.perf_counter() - start
    finally:
        await _close(server, transports)


class _Sink(asyncio.Protocol):
    expected = 0
    done: asyncio.Future[None] | None = None

    def __init__(self) -> None:
        self.received = 0

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.received >= self.expected and self.done and not self.done.done():
            self.done.set_result(None)


class _Writer(asyncio.Protocol):
    def __init__(self) -> None:
        self.resumed: asyncio.Future[None] | None = None

    def pause_writing(self) -> None:
        self.resumed = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)
        self.resumed = None


async def _bulk(loop: asyncio.AbstractEventLoop, chunks: int) -> float:
    server_ctx, client_ctx = _contexts()
    done: asyncio.Future[None] = loop.create_future()
    sink = type("Sink", (_Sink,), {"expected": chunks * CHUNK_SIZE, "done": done})
    server = await loop.create_server(sink, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    transports: list[asyncio.BaseTransport] = []
    try:
        transport, writer = await loop.create_connection(
            _Writer, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        transports.append(transport)
        chunk = b"x" * CHUNK_SIZE
        start = time.perf_counter()
        for _ in range(chunks):
            if writer.resumed is not None:
                await writer.resumed
            transport.write(chunk)
        await done
        return time.perf_counter() - start
    finally:
        await _close(server, transports)


async def _close(
    server: asyncio.AbstractServer, transports: list[asyncio.BaseTransport]
) -> None:
    for transport in transports:
        transport.abort()  # type: ignore[attr-defined]
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0.01)  # let the server side see the aborts
