"""SocketTransport behaviour, reached through create_server/create_connection."""

import asyncio
import hashlib
import socket
import struct

import pytest

pytestmark = pytest.mark.timeout(30)


async def _pair(loop, server_protocol, client_protocol):
    """A server on 127.0.0.1 and one connected client."""
    made = loop.create_future()

    def factory():
        proto = server_protocol()
        loop.call_soon(lambda: made.done() or made.set_result(proto))
        return proto

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, client = await loop.create_connection(client_protocol, "127.0.0.1", port)
    server_side = await made
    return server, transport, client, server_side


async def _finish(server, *transports):
    for transport in transports:
        transport.close()
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0.01)


def test_extra_info_and_nodelay(loop, run, protocols):
    async def main():
        server, transport, client, srv = await _pair(
            loop, protocols.Collect, protocols.Collect
        )
        for t in (transport, srv.transport):
            sock = t.get_extra_info("socket")
            assert sock.family == socket.AF_INET
            assert t.get_extra_info("sockname") == sock.getsockname()
            assert t.get_extra_info("peername") == sock.getpeername()
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert t.get_extra_info("nonexistent", "dflt") == "dflt"
            assert t.can_write_eof()
        assert transport.get_extra_info("peername") == srv.transport.get_extra_info(
            "sockname"
        )
        await _finish(server, transport, srv.transport)

    run(main())


def test_echo_round_trip(loop, run, protocols):
    async def main():
        server, transport, client, srv = await _pair(
            loop, protocols.Echo, protocols.Collect
        )
        transport.write(b"hello ")
        transport.writelines([b"wor", bytearray(b"ld"), memoryview(b"!")])
        assert await client.wait_for(12) == b"hello world!"
        transport.close()
        assert await client.lost is None
        await _finish(server)

    run(main())


def test_half_close_100k(loop, run, protocols):
    payload = bytes(range(256)) * 400  # 102,400 bytes

    class Reader(protocols.Collect):
        def eof_received(self):
            super().eof_received()
            assert len(self.data) == len(payload)
            self.transport.write(b"got %d" % len(self.data))
            self.transport.close()
            return True

    async def main():
        server, transport, client, srv = await _pair(loop, Reader, protocols.Collect)
        transport.write(payload)
        transport.write_eof()
        with pytest.raises(RuntimeError):
            transport.write(b"more")
        assert await srv.eof == payload
        assert await client.eof == b"got %d" % len(payload)
        assert await client.lost is None
        await _finish(server, transport)

    run(main())


def test_close_flushes_queued_data(loop, run, protocols):
    chunks = [bytes([i]) * 65536 for i in range(64)]  # 4 MiB, many chunks
    expected = hashlib.sha256(b"".join(chunks)).hexdigest()

    class Blaster(asyncio.Protocol):
        def connection_made(self, transport):
            for chunk in chunks:
                transport.write(chunk)
            assert transport.get_write_buffer_size() > 0
            transport.close()

    async def main():
        server, transport, client, srv = await _pair(loop, Blaster, protocols.Collect)
        data = await client.eof
        assert hashlib.sha256(data).hexdigest() == expected
        await client.lost
        await _finish(server, transport)

    run(main())


def test_buffered_protocol_client(loop, run, protocols):
    class Buffered(asyncio.BufferedProtocol):
        def __init__(self):
            self.buf = bytearray(1000)
            self.data = bytearray()
            self.lost = asyncio.get_running_loop().create_future()

        def get_buffer(self, sizehint):
            return self.buf

        def buffer_updated(self, nbytes):
            self.data += self.buf[:nbytes]

        def connection_lost(self, exc):
            self.lost.set_result(exc)

    async def main():
        server, transport, client, srv = await _pair(loop, protocols.Echo, Buffered)
        payload = b"x" * 5000
        transport.write(payload)
        while len(client.data) < len(payload):
            await asyncio.sleep(0.001)
        assert client.data == payload
        transport.close()
        await client.lost
        await _finish(server)

    run(main())


def test_abort_drops_data_and_reports_lost(loop, run, protocols):
    async def main():
        server, transport, client, srv = await _pair(
            loop, protocols.Collect, protocols.Collect
        )
        transport.pause_reading()
        srv.transport.write(b"y" * (8 * 1024 * 1024))
        srv.transport.abort()
        assert await srv.lost is None
        transport.resume_reading()
        await client.lost
        assert len(client.data) < 8 * 1024 * 1024
        await _finish(server)

    run(main())


class FlowRecorder(asyncio.Protocol):
    def __init__(self):
        self.events = []
        self.lost = asyncio.get_running_loop().create_future()
        self.resumed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def pause_writing(self):
        self.events.append(("pause", self.transport.get_write_buffer_size()))

    def resume_writing(self):
        self.events.append(("resume", self.transport.get_write_buffer_size()))
        self.resumed.set_result(None)

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def test_write_flow_control(loop, run, protocols):
    high, low = 64 * 1024, 16 * 1024
    chunk = b"z" * 16384

    async def main():
        server, transport, client, srv = await _pair(
            loop, FlowRecorder, protocols.Collect
        )
        transport.pause_reading()
        srv.transport.set_write_buffer_limits(high=high, low=low)
        assert srv.transport.get_write_buffer_limits() == (low, high)
        written = 0
        while not srv.events:
            srv.transport.write(chunk)
            written += len(chunk)
            assert written < 64 * 1024 * 1024
            if srv.transport.get_write_buffer_size() == 0:
                await asyncio.sleep(0.001)  # let the kernel buffers fill
        assert srv.events[0][0] == "pause"
        assert high < srv.events[0][1] <= high + len(chunk)
        transport.resume_reading()
        await srv.resumed
        assert srv.events[1][0] == "resume" and srv.events[1][1] <= low
        assert len(srv.events) == 2
        assert (await client.wait_for(written))[-1:] == b"z"
        while srv.transport.get_write_buffer_size():
            await asyncio.sleep(0.001)
        await _finish(server, transport, srv.transport)

    run(main())


def test_peer_reset_mid_write(loop, run, protocols):
    async def main():
        server, transport, client, srv = await _pair(
            loop, FlowRecorder, protocols.Collect
        )
        transport.pause_reading()
        srv.transport.write(b"r" * (8 * 1024 * 1024))
        assert srv.transport.get_write_buffer_size() > 0
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()  # RST
        exc = await asyncio.wait_for(srv.lost, 5)
        assert isinstance(exc, (ConnectionResetError, BrokenPipeError))
        await client.lost
        await _finish(server)

    run(main())


def test_eof_received_true_keeps_write_side_open(loop, run, protocols):
    class HalfOpen(protocols.Collect):
        def eof_received(self):
            super().eof_received()
            return True

    async def main():
        server, transport, client, srv = await _pair(loop, protocols.Collect, HalfOpen)
        srv.transport.write(b"before eof")
        srv.transport.write_eof()
        assert await client.eof == b"before eof"
        await asyncio.sleep(0.01)
        assert not transport.is_closing()
        transport.write(b"after eof")
        assert await srv.wait_for(9) == b"after eof"
        transport.close()
        await client.lost
        await _finish(server, srv.transport)

    run(main())
