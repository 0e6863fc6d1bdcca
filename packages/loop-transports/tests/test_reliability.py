"""Reliability guarantees: nothing lost on close(), nothing leaked after
many connections, ResourceWarning for what is left open.

Each test runs on our loop (both pollers) and on asyncio's: the guarantees
are asyncio's own, kept by our transports too.
"""

import asyncio
import hashlib
import os
import socket
import threading
import warnings

import pytest
from loop_core.testing import count_open_fds, gc_collect

pytestmark = pytest.mark.timeout(60)

BIG = 32 * 1024 * 1024


class BigWriter(asyncio.Protocol):
    """Server side: one 32 MiB write(), then close() or abort() at once."""

    def __init__(self, payload, finish):
        self.payload = payload
        self.finish = finish
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        transport.write(self.payload)
        getattr(transport, self.finish)()

    def connection_lost(self, exc):
        self.lost.set_result(exc)


class SlowStarter(asyncio.Protocol):
    """Client side: reading paused for 0.3 s, then hash everything."""

    def __init__(self):
        self.hash = hashlib.sha256()
        self.size = 0
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        transport.pause_reading()
        asyncio.get_running_loop().call_later(0.3, transport.resume_reading)

    def data_received(self, data):
        self.hash.update(data)
        self.size += len(data)

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def _big_transfer(loop, finish):
    payload = os.urandom(BIG)
    writers = []

    def factory():
        writers.append(BigWriter(payload, finish))
        return writers[-1]

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, reader = await loop.create_connection(SlowStarter, "127.0.0.1", port)
    reader_exc = await reader.lost
    while not writers:
        await asyncio.sleep(0)
    writer_exc = await writers[0].lost
    server.close()
    await server.wait_closed()
    return payload, reader, reader_exc, writer_exc


def test_close_delivers_everything_to_a_paused_reader(loop, run):
    async def main():
        payload, reader, reader_exc, writer_exc = await _big_transfer(loop, "close")
        assert reader.size == BIG
        assert reader.hash.digest() == hashlib.sha256(payload).digest()
        assert reader_exc is None
        assert writer_exc is None

    run(main())


class WriteAfterClose(asyncio.Protocol):
    """Server side: a write that queues, close(), then one more write()."""

    def connection_made(self, transport):
        transport.write(b"x" * (4 * 1024 * 1024))
        transport.close()
        transport.write(b"tail")


class Drain(asyncio.Protocol):
    def __init__(self):
        self.data = bytearray()
        self.lost = asyncio.get_running_loop().create_future()

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def test_write_after_close_joins_the_queue(loop, run):
    """While close() waits for queued data to drain, a write() still joins
    the queue (asyncio's behaviour); only a transport with nothing left to
    send drops it."""

    async def main():
        server = await loop.create_server(WriteAfterClose, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, client = await loop.create_connection(Drain, "127.0.0.1", port)
        assert await client.lost is None
        server.close()
        await server.wait_closed()
        return bytes(client.data)

    data = run(main())
    assert len(data) == 4 * 1024 * 1024 + 4
    assert data.endswith(b"xtail")


def test_abort_drops_the_rest_quietly(loop, run, loop_errors):
    async def main():
        _, reader, _, writer_exc = await _big_transfer(loop, "abort")
        assert reader.size < BIG
        assert writer_exc is None

    run(main())
    assert loop_errors == []


# -- no leaks after many connections ------------------------------------------

BATCH = 250
CLIENT_CLOSE, SERVER_CLOSE, ABORT, CANCELLED = range(4)


class Counted(asyncio.Protocol):
    """Server side: closes when the client asks (any byte); counts."""

    def __init__(self, stats):
        self.stats = stats

    def connection_made(self, transport):
        self.transport = transport
        self.stats["accepted"] += 1

    def data_received(self, data):
        self.transport.close()

    def connection_lost(self, exc):
        self.stats["lost"] += 1
        if self.stats["lost"] == self.stats["accepted"]:
            waiter = self.stats["all_lost"]
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


class Client(asyncio.Protocol):
    def __init__(self):
        self.lost = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def _one(loop, connect, connect_sock, mode):
    if mode == CANCELLED:
        sock = await connect_sock()
        task = loop.create_task(connect(Client, sock=sock))
        await asyncio.sleep(0)
        task.cancel()
        try:
            transport, client = await task
        except asyncio.CancelledError:
            return
        transport.close()
        await client.lost
        return
    transport, client = await connect(Client)
    if mode == CLIENT_CLOSE:
        transport.close()
    elif mode == ABORT:
        transport.abort()
    else:
        transport.write(b"close, please")
    await client.lost  # SERVER_CLOSE: the server's close() ends it


async def _churn(loop, total, start_server, connect, connect_sock):
    stats = {"accepted": 0, "lost": 0, "all_lost": None}
    server = await start_server(lambda: Counted(stats))
    try:
        for first in range(0, total, BATCH):
            modes = [i % 4 for i in range(first, min(total, first + BATCH))]
            await asyncio.gather(
                *(_one(loop, connect, connect_sock, mode) for mode in modes)
            )
        if stats["lost"] != stats["accepted"]:
            stats["all_lost"] = loop.create_future()
            await stats["all_lost"]
    finally:
        server.close()
        await server.wait_closed()
    return stats


async def _connected_sock(loop, family, address):
    """A non-blocking socket connected to ``address`` (closed if that fails)."""
    sock = socket.socket(family)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


def _check_back_to_start(loop, run, main):
    gc_collect()
    fds, threads = count_open_fds(), threading.active_count()
    stats = run(main(), timeout=50)
    run(loop.shutdown_default_executor())
    gc_collect()
    assert count_open_fds() == fds
    # Not "==": an earlier test's executor thread may still be exiting.
    assert threading.active_count() <= threads
    return stats


def test_10000_tcp_connections_leak_nothing(loop, run):
    async def main():
        server_box = []

        async def start_server(factory):
            server = await loop.create_server(factory, "127.0.0.1", 0, backlog=1024)
            server_box.append(server.sockets[0].getsockname())
            return server

        async def connect(factory, sock=None):
            if sock is not None:
                return await loop.create_connection(factory, sock=sock)
            return await loop.create_connection(factory, *server_box[0])

        def connect_sock():
            return _connected_sock(loop, socket.AF_INET, server_box[0])

        return await _churn(loop, 10_000, start_server, connect, connect_sock)

    stats = _check_back_to_start(loop, run, main)
    assert stats["accepted"] == stats["lost"] >= 10_000 * 3 // 4


def test_2000_unix_connections_leak_nothing(loop, run, tmp_path):
    path = str(tmp_path / "churn.sock")

    async def main():
        async def start_server(factory):
            return await loop.create_unix_server(factory, path, backlog=1024)

        async def connect(factory, sock=None):
            if sock is not None:
                return await loop.create_unix_connection(factory, sock=sock)
            return await loop.create_unix_connection(factory, path)

        def connect_sock():
            return _connected_sock(loop, socket.AF_UNIX, path)

        return await _churn(loop, 2_000, start_server, connect, connect_sock)

    stats = _check_back_to_start(loop, run, main)
    assert stats["accepted"] == stats["lost"] >= 2_000 * 3 // 4


# -- ResourceWarning for what is left open ------------------------------------


def _resource_warnings(record, mentioning):
    return [
        str(w.message)
        for w in record
        if issubclass(w.category, ResourceWarning) and mentioning in str(w.message)
    ]


def test_unclosed_transport_warns_once(loop, run):
    a, b = socket.socketpair()
    held = [a]
    del a

    async def main():
        transport, _ = await loop.create_connection(asyncio.Protocol, sock=held[0])
        return transport.get_extra_info("socket").fileno()

    fd = run(main())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        loop.close()  # drops the loop's handles: nothing holds the transport
        held.clear()
        gc_collect()
    b.close()
    messages = _resource_warnings(record, f"fd={fd}")
    transport_messages = [m for m in messages if m.startswith("unclosed transport <")]
    assert len(transport_messages) == 1, messages
    if type(loop).__module__.startswith("loop_core"):
        # asyncio's socket may warn as well, when the collector finalizes it
        # before the transport; ours is closed by the transport first.
        assert messages == transport_messages


def test_unclosed_server_warns_once(loop, run):
    async def main():
        server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
        return server.sockets[0].getsockname()

    address = run(main())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        loop.close()
        gc_collect()
    messages = _resource_warnings(record, repr(address))
    assert len(messages) == 1, messages
    if type(loop).__module__.startswith("loop_core"):
        assert messages[0].startswith("unclosed <Server sockets=(")
    else:
        # asyncio's Server says nothing itself: its listening socket warns.
        assert messages[0].startswith("unclosed <")
