"""TLS transports' flow control, reading modes and abort, on our loop and
asyncio's."""

import asyncio
import os

MIB = 1024 * 1024


def test_write_flow_control(loop, run, protocols, tls_connect, tls_server):
    async def main():
        made = loop.create_future()
        server, port = await tls_server(lambda: protocols.Stalled(made))
        async with server:
            transport, protocol = await tls_connect(port)
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


def test_buffered_protocol(loop, run, client_ctx, tls_server):
    async def main():
        server, port = await tls_server()
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


def test_pause_reading(loop, run, tls_server, tls_connect):
    async def main():
        server, port = await tls_server()
        async with server:
            transport, protocol = await tls_connect(port)
            assert transport.is_reading()
            transport.pause_reading()
            assert not transport.is_reading()
            payload = os.urandom(MIB)  # past the 256 KiB read limit
            transport.write(payload)
            # The echo comes back while paused: it must wait, buffered.
            while transport.get_read_buffer_size() == 0:
                assert protocol.data == b""
                await asyncio.sleep(0.01)
            assert protocol.data == b""
            transport.resume_reading()
            assert transport.is_reading()
            assert await protocol.read(MIB) == payload
            transport.close()
            await protocol.lost

    run(main())


def test_abort_loses_connection_once(loop, run, protocols, tls_connect, tls_server):
    async def main():
        server_lost = loop.create_future()

        class Server(protocols.Echo):
            def connection_lost(self, exc):
                server_lost.set_result(exc)

        server, port = await tls_server(Server)
        async with server:
            transport, protocol = await tls_connect(port)
            transport.write(b"dropped?")
            transport.abort()
            transport.abort()
            assert transport.is_closing()
            assert await protocol.lost is None
            await server_lost  # the server notices too (None or a reset)
            await asyncio.sleep(0.01)
            transport.write(b"after")  # ignored, as asyncio does

    run(main())


def test_concurrent_connections_keep_their_bytes(loop, run, tls_server, tls_connect):
    """Connections on one loop share a read buffer: no bytes may cross."""

    async def main():
        server, port = await tls_server()
        async with server:
            pairs = []
            for _ in range(6):
                pairs.append(await tls_connect(port))
            payloads = [os.urandom(300_000) for _ in pairs]
            for (transport, _), payload in zip(pairs, payloads):
                transport.write(payload)
            for (transport, protocol), payload in zip(pairs, payloads):
                assert await protocol.read(len(payload)) == payload
                transport.close()
                await protocol.lost

    run(main())
