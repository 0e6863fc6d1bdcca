"""Streams over TLS: ssl= on open_connection / start_server, and start_tls()."""

import asyncio

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
