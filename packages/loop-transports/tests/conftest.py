"""Helpers shared by loop-transports' tests: small protocols and a runner.

Every test body talks to 127.0.0.1 only and runs on our loop (both
pollers) and on asyncio's, through loop_core.testing's ``loop`` fixture.
"""

import asyncio
import types

import pytest


class Echo(asyncio.Protocol):
    """Server side: echo everything; close on EOF."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Collect(asyncio.Protocol):
    """Client side: gather bytes; futures for made / eof / lost."""

    def __init__(self):
        loop = asyncio.get_running_loop()
        self.made = loop.create_future()
        self.eof = loop.create_future()
        self.lost = loop.create_future()
        self.data = bytearray()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.made.set_result(None)

    def data_received(self, data):
        self.data += data

    def eof_received(self):
        self.eof.set_result(bytes(self.data))

    def connection_lost(self, exc):
        if not self.eof.done():
            self.eof.set_result(bytes(self.data))
        self.lost.set_result(exc)

    async def wait_for(self, size):
        while len(self.data) < size and not self.lost.done():
            await asyncio.sleep(0.001)
        return bytes(self.data)


class Flow(Collect):
    """Collect, plus flow-control counts and read(size), which waits for
    the bytes without polling."""

    def __init__(self):
        super().__init__()
        loop = asyncio.get_running_loop()
        self.resumed = loop.create_future()
        self.pauses = 0
        self.resumes = 0
        self.want = None
        self.got = loop.create_future()

    def data_received(self, data):
        super().data_received(data)
        if self.want is not None and len(self.data) >= self.want:
            if not self.got.done():
                self.got.set_result(bytes(self.data))

    def pause_writing(self):
        self.pauses += 1

    def resume_writing(self):
        self.resumes += 1
        if not self.resumed.done():
            self.resumed.set_result(None)

    async def read(self, size):
        self.want = size
        if len(self.data) >= size:
            return bytes(self.data)
        return await self.got


class Stalled(asyncio.Protocol):
    """Server side that stops reading once connected, so what the peer
    sends (data, close_notify) stays unread; `made` gets the transport."""

    def __init__(self, made):
        self.made = made

    def connection_made(self, transport):
        self.transport = transport
        transport.pause_reading()
        self.made.set_result(transport)


@pytest.fixture
def protocols():
    return types.SimpleNamespace(Echo=Echo, Collect=Collect, Flow=Flow, Stalled=Stalled)


@pytest.fixture
def run(loop):
    """Run a coroutine on the test's loop with a safety timeout."""

    def run(coro, timeout=20):
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


# -- TLS (test_tls*.py): certificates and contexts come from loop_core.testing --


@pytest.fixture
def tls_server(loop, server_ctx):
    """``await tls_server(protocol_factory=Echo, **create_server_kwargs)`` ->
    (server, port): a server on 127.0.0.1 speaking TLS (with server_ctx
    unless the kwargs name another ssl=).

    Debug mode starts off (PYTHONASYNCIODEBUG / -X dev turn it on): there a
    server reports each refused handshake to the exception handler, as
    asyncio's does, and the tests that refuse one on purpose would see it.
    A test about that report turns debug mode on itself."""
    loop.set_debug(False)

    async def start(protocol_factory=Echo, **kwargs):
        kwargs.setdefault("ssl", server_ctx)
        server = await loop.create_server(protocol_factory, "127.0.0.1", 0, **kwargs)
        return server, server.sockets[0].getsockname()[1]

    return start


@pytest.fixture
def tls_connect(loop, client_ctx):
    """``await tls_connect(port, **create_connection_kwargs)`` ->
    (transport, Flow): a TLS client of 127.0.0.1:port that trusts the test
    CA and checks the name "localhost" (unless the kwargs say otherwise)."""

    async def connect(port, **kwargs):
        kwargs.setdefault("ssl", client_ctx)
        kwargs.setdefault("server_hostname", "localhost")
        return await loop.create_connection(Flow, "127.0.0.1", port, **kwargs)

    return connect
