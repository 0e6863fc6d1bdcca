"""loop.start_tls(): upgrading a live connection, on our loop and asyncio's."""

import asyncio
import socket
import ssl
import sys

import pytest


class Upgrading(asyncio.Protocol):
    """Server side: plaintext "STARTTLS" -> "OK", then TLS; echoes upper-cased
    in both phases."""

    def __init__(self, context, upgraded):
        self.context = context
        self.upgraded = upgraded

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if data == b"STARTTLS\n":
            self.transport.write(b"OK\n")
            asyncio.ensure_future(self._upgrade())
        else:
            self.transport.write(data.upper())

    async def _upgrade(self):
        loop = asyncio.get_running_loop()
        try:
            self.transport = await loop.start_tls(
                self.transport, self, self.context, server_side=True
            )
        except BaseException as exc:
            self.upgraded.set_exception(exc)
        else:
            self.upgraded.set_result(self.transport)

    def connection_lost(self, exc):
        pass


class Client(asyncio.Protocol):
    def __init__(self):
        self.data = bytearray()
        self.event = asyncio.Event()
        self.lost = asyncio.get_running_loop().create_future()
        self.made = 0

    def connection_made(self, transport):
        self.made += 1

    def data_received(self, data):
        self.data += data
        self.event.set()

    async def read(self, size):
        while len(self.data) < size:
            self.event.clear()
            await self.event.wait()
        data, self.data = bytes(self.data[:size]), self.data[size:]
        return data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


@pytest.mark.parametrize("outer", ["tcp", "tls"])
def test_upgrade_both_ends(loop, run, server_ctx, client_ctx, outer):
    """STARTTLS over plain TCP, and over TLS already (TLS inside TLS)."""
    outer_server = server_ctx if outer == "tls" else None
    outer_client = {"ssl": client_ctx, "server_hostname": "localhost"}

    async def main():
        upgraded = loop.create_future()
        server = await loop.create_server(
            lambda: Upgrading(server_ctx, upgraded), "127.0.0.1", 0, ssl=outer_server
        )
        async with server:
            port = server.sockets[0].getsockname()[1]
            plain, protocol = await loop.create_connection(
                Client, "127.0.0.1", port, **(outer_client if outer_server else {})
            )
            plain.write(b"hello")
            assert await protocol.read(5) == b"HELLO"
            plain.write(b"STARTTLS\n")
            assert await protocol.read(3) == b"OK\n"
            transport = await loop.start_tls(
                plain, protocol, client_ctx, server_hostname="localhost"
            )
            assert transport is not plain
            assert protocol.made == 1  # start_tls does not call connection_made
            assert transport.get_extra_info("ssl_object").version() == "TLSv1.3"
            assert transport.get_extra_info("peername") == ("127.0.0.1", port)
            server_transport = await upgraded
            assert server_transport.get_extra_info("ssl_object").server_side
            payload = b"secret" * 50000
            transport.write(payload)
            assert await protocol.read(len(payload)) == payload.upper()
            transport.close()
            assert await protocol.lost is None

    run(main())


def test_upgrade_errors(loop, run, server_ctx, client_ctx):
    async def main():
        server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            plain, protocol = await loop.create_connection(Client, "127.0.0.1", port)
            with pytest.raises(TypeError, match="SSLContext"):
                await loop.start_tls(plain, protocol, object())
            with pytest.raises(TypeError, match="SSLContext"):
                await loop.start_tls(plain, protocol, True)
            plain.close()
            await protocol.lost
        udp, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        try:
            with pytest.raises(TypeError, match="not supported by start_tls"):
                await loop.start_tls(udp, protocol, client_ctx)
        finally:
            udp.close()

    run(main())


@pytest.fixture
def silent_port():
    """The port of a loopback listener that accepts (in its backlog) and
    never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_upgrade_of_a_closed_transport_returns_none(loop, run, client_ctx, silent_port):
    # asyncio returns None when the transport is closed before the handshake
    # (aiohttp's connector checks for it); the protocol is never connected.
    async def main():
        plain, protocol = await loop.create_connection(Client, "127.0.0.1", silent_port)
        plain.close()
        upgraded = await loop.start_tls(
            plain, protocol, client_ctx, server_hostname="localhost"
        )
        assert upgraded is None
        assert protocol.made == 1  # only the plain connection

    run(main())


def test_upgrade_handshake_failure(loop, run, server_ctx):
    async def main():
        upgraded = loop.create_future()
        server = await loop.create_server(
            lambda: Upgrading(server_ctx, upgraded), "127.0.0.1", 0
        )
        async with server:
            port = server.sockets[0].getsockname()[1]
            plain, protocol = await loop.create_connection(Client, "127.0.0.1", port)
            plain.write(b"STARTTLS\n")
            assert await protocol.read(3) == b"OK\n"
            untrusting = ssl.create_default_context()
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.start_tls(
                    plain, protocol, untrusting, server_hostname="localhost"
                )
            with pytest.raises(OSError):  # an SSLError, or a reset before it
                await upgraded
            assert isinstance(await protocol.lost, ssl.SSLCertVerificationError)

    run(main())


def test_upgrade_handshake_timeout(loop, run, client_ctx, silent_port):
    async def main():
        plain, protocol = await loop.create_connection(Client, "127.0.0.1", silent_port)
        with pytest.raises(ConnectionAbortedError):
            await loop.start_tls(
                plain, protocol, client_ctx, server_hostname="localhost",
                ssl_handshake_timeout=0.2,
            )  # fmt: skip
        assert plain.is_closing()

    run(main())


def test_server_upgrade_keeps_what_its_stream_reader_buffered(
    loop, run, server_ctx, client_ctx
):
    """A stream server may have read the client's first handshake bytes
    into its StreamReader before it upgrades: start_tls() hands them to the
    TLS layer (CPython gh-142352, fixed in asyncio's 3.14 releases; asyncio's
    loop before 3.14 drops them and the handshake hangs)."""
    if sys.version_info < (3, 14) and not _is_ours(loop):
        pytest.skip("asyncio's loop drops the buffered bytes before 3.14")
    handlers = []

    async def server_side(reader, writer):
        handlers.append(asyncio.current_task())
        # the ClientHello arrives in the reader's buffer, unread
        await reader._wait_for_data("test")
        assert reader._buffer
        await writer.start_tls(server_ctx)
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await asyncio.start_server(server_side, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await writer.start_tls(client_ctx, server_hostname="localhost")
        writer.write(b"ping\n")
        reply = await reader.readline()
        writer.close()
        await writer.wait_closed()
        await asyncio.gather(*handlers)
        server.close()
        await server.wait_closed()
        return reply

    assert run(main()) == b"PING\n"


def _is_ours(loop):
    return type(loop).__module__.startswith("loop_core")
