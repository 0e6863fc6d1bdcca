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


@pytest.fixture
def protocols():
    return types.SimpleNamespace(Echo=Echo, Collect=Collect)


@pytest.fixture
def run(loop):
    """Run a coroutine on the test's loop with a safety timeout."""

    def run(coro, timeout=20):
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


# -- TLS (test_tls*.py): one trustme CA per session, fresh contexts per test --


@pytest.fixture(scope="session")
def tls_ca():
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    return types.SimpleNamespace(ca=ca, cert=ca.issue_cert("localhost", "127.0.0.1"))


@pytest.fixture
def server_ctx(tls_ca):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.cert.configure_cert(context)
    return context


@pytest.fixture
def client_ctx(tls_ca):
    import ssl

    context = ssl.create_default_context()
    tls_ca.ca.configure_trust(context)
    return context
