"""Streams over TLS: ssl= on open_connection / start_server, and start_tls()."""

import asyncio
import sys

import pytest
from loop_streams import open_connection, start_server

pytestmark = pytest.mark.timeout(30)


def run(loop, coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 20))


def test_tls_from_the_start(loop, server_ctx, client_ctx):
    handlers = []

    async def echo(reader, writer):
        handlers.append(asyncio.current_task())
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await start_server(echo, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        assert writer.get_extra_info("sslcontext") is client_ctx
        writer.write(b"secret\n")
        reply = await reader.read()
        writer.close()
        await writer.wait_closed()
        await asyncio.gather(*handlers)
        server.close()
        await server.wait_closed()
        return reply

    assert run(loop, main()) == b"SECRET\n"


def test_start_tls_upgrades_both_ends(loop, server_ctx, client_ctx):
    handlers = []

    async def starttls_server(reader, writer):
        handlers.append(asyncio.current_task())
        assert await reader.readline() == b"STARTTLS\n"
        writer.write(b"GO\n")
        await writer.start_tls(server_ctx)
        assert writer.get_extra_info("sslcontext") is server_ctx
        async for line in reader:
            writer.write(b"tls:" + line)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await start_server(starttls_server, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        assert writer.get_extra_info("sslcontext") is None
        writer.write(b"STARTTLS\n")
        assert await reader.readline() == b"GO\n"
        plain = writer.transport
        await writer.start_tls(client_ctx, server_hostname="localhost")
        assert writer.transport is not plain
        assert writer.get_extra_info("peercert") is not None
        writer.write(b"one\ntwo\n")
        lines = [await reader.readline(), await reader.readline()]
        writer.close()
        await writer.wait_closed()
        await asyncio.gather(*handlers)
        server.close()
        await server.wait_closed()
        return lines

    assert run(loop, main()) == [b"tls:one\n", b"tls:two\n"]


class _Upgraded:
    """What a stand-in loop.start_tls() was called with."""

    def __init__(self, loop):
        self.calls = []
        self.transport = None
        self.loop = loop

    async def start_tls(self, transport, protocol, context, **kwargs):
        self.calls.append(kwargs)
        self.transport = _FakeTLSTransport(context)
        return self.transport


class _FakeTLSTransport(asyncio.Transport):
    def __init__(self, context):
        super().__init__()
        self.context = context
        self.reading = True
        self.closed = False

    def get_extra_info(self, name, default=None):
        return self.context if name == "sslcontext" else default

    def pause_reading(self):
        self.reading = False

    def resume_reading(self):
        self.reading = True

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True


@pytest.mark.parametrize("timeout", [None, 7.5])
def test_start_tls_hands_over_its_arguments(loop, client_ctx, timeout):
    """ssl_shutdown_timeout reaches loop.start_tls(), None included from
    3.12 on as asyncio's writer passes it; the reader then pauses and
    resumes the TLS transport, not the raw one."""
    from loop_streams import StreamReader, StreamReaderProtocol, StreamWriter

    async def main():
        plain = _FakeTLSTransport(None)
        reader = StreamReader(limit=4)
        protocol = StreamReaderProtocol(reader)
        protocol.connection_made(plain)
        writer = StreamWriter(plain, protocol, reader, loop)
        upgraded = _Upgraded(loop)
        loop.start_tls = upgraded.start_tls
        try:
            await writer.start_tls(client_ctx, ssl_shutdown_timeout=timeout)
        finally:
            del loop.start_tls
        assert writer.transport is upgraded.transport
        reader.feed_data(b"more than twice the limit")
        writer.close()
        plain.close()
        return upgraded.calls, plain.reading, upgraded.transport.reading

    calls, plain_reading, tls_reading = run(loop, main())
    expected = {"server_side": False, "server_hostname": None}
    expected["ssl_handshake_timeout"] = None
    if timeout is not None or sys.version_info >= (3, 12):
        expected["ssl_shutdown_timeout"] = timeout
    assert calls == [expected]
    assert (plain_reading, tls_reading) == (True, False)


# asyncio's loop moves the buffered bytes only out of its own
# StreamReaderProtocol; ours, out of any that keeps its names.
@pytest.mark.ours_only
def test_start_tls_keeps_bytes_already_read(loop, server_ctx, client_ctx):
    """The client's handshake can reach the server's reader before the
    server upgrades; those bytes go to the TLS layer (CPython gh-142352)."""
    handlers = []

    async def server_side(reader, writer):
        handlers.append(asyncio.current_task())
        await reader._wait_for_data("test")  # the ClientHello is buffered
        await writer.start_tls(server_ctx)
        line = await reader.readline()
        writer.write(line.upper())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await start_server(server_side, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        await writer.start_tls(client_ctx, server_hostname="localhost")
        writer.write(b"ping\n")
        reply = await reader.readline()
        writer.close()
        await writer.wait_closed()
        await asyncio.gather(*handlers)
        server.close()
        await server.wait_closed()
        return reply

    assert run(loop, main()) == b"PING\n"
