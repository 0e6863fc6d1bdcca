"""TLS transports' flow control, reading modes and abort, on our loop and
asyncio's."""

import asyncio
import os

MIB = 1024 * 1024


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Client(asyncio.Protocol):
    """Collects bytes; counts flow-control calls; futures for made/lost."""

    def __init__(self):
        loop = asyncio.get_running_loop()
        self.made = loop.create_future()
        self.lost = loop.create_future()
        self.resumed = loop.create_future()
        self.data = bytearray()
        self.pauses = 0
        self.resumes = 0
        self.want = None
        self.got = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport
        self.made.set_result(None)

    def data_received(self, data):
        self.data += data
        if self.want is not None and len(self.data) >= self.want:
            if not self.got.done():
                self.got.set_result(bytes(self.data))

    def connection_lost(self, exc):
        self.lost.set_result(exc)

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


async def _echo_server(loop, server_ctx, **kwargs):
    server = await loop.create_server(Echo, "127.0.0.1", 0, ssl=server_ctx, **kwargs)
    return server, server.sockets[0].getsockname()[1]


class Stalled(asyncio.Protocol):
    """Server side that stops reading once connected: close_notify and
    data stay unread."""

    def __init__(self, made):
        self.made = made

    def connection_made(self, transport):
        self.transport = transport
        transport.pause_reading()
        self.made.set_result(transport)


def test_write_flow_control(loop, run, server_ctx, client_ctx):
    async def main():
        made = loop.create_future()
        server = await loop.create_server(
            lambda: Stalled(made), "127.0.0.1", 0, ssl=server_ctx
        )
        async with server:
            port = server.sockets[0].getsockname()[1]
            transport, protocol = await loop.create_connection(
                Client, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
            )
            peer = await made
            transport.set_write_buffer_limits(high=128 * 1024)
            assert transport.get_write_buffer_limits() == (32 * 1024, 128 * 1024)
            chunk = b"x" * 65536
            for _ in range(2000):
                if protocol.pauses:
                    break
                transport.write(chunk)
                await asyncio.sleep(0)
            assert protocol.pauses == 1
            assert transport.get_write_buffer_size() >= 128 * 1024
            peer.resume_reading()
            await protocol.resumed
            assert protocol.pauses == 1 and protocol.resumes == 1
            assert transport.get_write_buffer_size() <= 32 * 1024
            transport.abort()
            peer.abort()
            assert await protocol.lost is None

    run(main())


class BufferedClient(asyncio.BufferedProtocol):
    def __init__(self):
        self.buffer = bytearray(10000)
        self.data = bytearray()
        self.lost = asyncio.get_running_loop().create_future()
        self.event = asyncio.Event()

    def get_buffer(self, sizehint):
        # A memoryview: asyncio's TLS reads into a slice of what this returns.
        return memoryview(self.buffer)

    def buffer_updated(self, nbytes):
        self.data += self.buffer[:nbytes]
        self.event.set()

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def test_buffered_protocol(loop, run, server_ctx, client_ctx):
    async def main():
        server, port = await _echo_server(loop, server_ctx)
        async with server:
            transport, protocol = await loop.create_connection(
                BufferedClient, "127.0.0.1", port, ssl=client_ctx,
                server_hostname="localhost",
            )  # fmt: skip
            payload = os.urandom(MIB)
            transport.write(payload)
            while len(protocol.data) < MIB:
                protocol.event.clear()
                await protocol.event.wait()
            assert protocol.data == payload
            transport.close()
            assert await protocol.lost is None

    run(main())


def test_pause_reading(loop, run, server_ctx, client_ctx):
    async def main():
        server, port = await _echo_server(loop, server_ctx)
        async with server:
            transport, protocol = await loop.create_connection(
                Client, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
            )
            assert transport.is_reading()
            transport.pause_reading()
            assert not transport.is_reading()
            payload = os.urandom(MIB)  # past the 256 KiB read limit
            transport.write(payload)
            # The echo comes back while paused: it must wait.
            await asyncio.sleep(0.2)
            assert protocol.data == b""
            assert transport.get_read_buffer_size() > 0
            transport.resume_reading()
            assert transport.is_reading()
            assert await protocol.read(MIB) == payload
            transport.close()
            await protocol.lost

    run(main())


def test_abort_loses_connection_once(loop, run, server_ctx, client_ctx):
    async def main():
        server_lost = loop.create_future()

        class Server(Echo):
            def connection_lost(self, exc):
                server_lost.set_result(exc)

        server = await loop.create_server(Server, "127.0.0.1", 0, ssl=server_ctx)
        async with server:
            port = server.sockets[0].getsockname()[1]
            transport, protocol = await loop.create_connection(
                Client, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
            )
            transport.write(b"dropped?")
            transport.abort()
            transport.abort()
            assert transport.is_closing()
            assert await protocol.lost is None
            await server_lost  # the server notices too (None or a reset)
            await asyncio.sleep(0.01)
            transport.write(b"after")  # ignored, as asyncio does

    run(main())


def test_concurrent_connections_keep_their_bytes(loop, run, server_ctx, client_ctx):
    """Connections on one loop share a read buffer: no bytes may cross."""

    async def main():
        server, port = await _echo_server(loop, server_ctx)
        async with server:
            pairs = []
            for _ in range(6):
                pairs.append(
                    await loop.create_connection(
                        Client,
                        "127.0.0.1",
                        port,
                        ssl=client_ctx,
                        server_hostname="localhost",
                    )  # fmt: skip
                )
            payloads = [os.urandom(300_000) for _ in pairs]
            for (transport, _), payload in zip(pairs, payloads):
                transport.write(payload)
            for (transport, protocol), payload in zip(pairs, payloads):
                assert await protocol.read(len(payload)) == payload
                transport.close()
                await protocol.lost

    run(main())
