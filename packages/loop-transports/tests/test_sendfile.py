"""loop.sendfile(): os.sendfile on socket transports, the fallback, errors."""

import asyncio
import hashlib
import io
import os
import socket
import sys

import pytest

pytestmark = pytest.mark.timeout(30)

DATA = os.urandom(256 * 1024 + 17)


class Sink(asyncio.Protocol):
    """Server side: keep what arrives; optionally start paused."""

    def __init__(self, paused_for=None):
        loop = asyncio.get_running_loop()
        self.paused_for = paused_for
        self.data = bytearray()
        self.made = loop.create_future()
        self.lost = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport
        if self.paused_for is not None:
            transport.pause_reading()
            asyncio.get_running_loop().call_later(
                self.paused_for, transport.resume_reading
            )
        self.made.set_result(transport)

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


class Client(asyncio.Protocol):
    def __init__(self):
        loop = asyncio.get_running_loop()
        self.data = bytearray()
        self.lost = loop.create_future()
        self.got = asyncio.Event()
        self.pauses = []

    def data_received(self, data):
        self.data += data
        self.got.set()

    def pause_writing(self):
        self.pauses.append("pause")

    def resume_writing(self):
        self.pauses.append("resume")

    def connection_lost(self, exc):
        self.lost.set_result(exc)


@pytest.fixture
def datafile(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    with open(path, "rb") as f:
        yield f


async def _pair(loop, sink=Sink):
    sinks = []

    def factory():
        sinks.append(sink())
        return sinks[-1]

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, client = await loop.create_connection(Client, "127.0.0.1", port)
    while not sinks:
        await asyncio.sleep(0)
    await sinks[0].made
    return server, transport, client, sinks[0]


async def _started(loop, coro):
    """A task running ``coro``, returned once it is suspended inside it."""
    started = loop.create_future()

    async def run():
        started.set_result(None)
        return await coro

    task = loop.create_task(run())
    await started
    return task


async def _finish(server, transport, client, sink):
    """Close the client, wait for the server to see everything; the bytes."""
    transport.close()
    await client.lost
    await sink.lost
    server.close()
    await server.wait_closed()
    return bytes(sink.data)


def test_whole_file(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        sent = await loop.sendfile(parts[1], datafile)
        assert sent == len(DATA)
        assert datafile.tell() == len(DATA)
        assert await _finish(*parts) == DATA

    run(main())


def test_offset_and_count(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        sent = await loop.sendfile(parts[1], datafile, 1000, 5000)
        assert sent == 5000
        assert datafile.tell() == 6000
        assert await _finish(*parts) == DATA[1000:6000]

    run(main())


def test_count_past_end_of_file(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        sent = await loop.sendfile(parts[1], datafile, len(DATA) - 10, 1000)
        assert sent == 10
        assert await _finish(*parts) == DATA[-10:]

    run(main())


def test_empty_file_sends_nothing(loop, run, tmp_path):
    async def main():
        (tmp_path / "empty").write_bytes(b"")
        parts = await _pair(loop)
        with open(tmp_path / "empty", "rb") as f:
            assert await loop.sendfile(parts[1], f) == 0
            assert f.tell() == 0
        parts[1].write(b"after")
        assert await _finish(*parts) == b"after"

    run(main())


def test_offset_at_end_sends_nothing(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        assert await loop.sendfile(parts[1], datafile, len(DATA)) == 0
        assert await _finish(*parts) == b""

    run(main())


# 3.14 leaves the file at offset + bytes sent even when nothing is sent;
# before, the native path left it where it was and the fallback seeked
# only to a non-zero offset.
NEW_POSITIONS = sys.version_info >= (3, 14)


def test_offset_at_end_leaves_the_file_at_the_end(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        datafile.seek(123)
        assert await loop.sendfile(parts[1], datafile, len(DATA)) == 0
        assert datafile.tell() == (len(DATA) if NEW_POSITIONS else 123)
        assert await _finish(*parts) == b""

    run(main())


def test_fallback_offset_at_end_leaves_the_file_at_the_end(loop, run):
    async def main():
        parts = await _pair(loop)
        source = io.BytesIO(b"abc")  # no fileno(): the fallback
        source.seek(1)
        assert await loop.sendfile(parts[1], source, 3) == 0
        assert source.tell() == 3
        assert await _finish(*parts) == b""

    run(main())


def test_fallback_offset_zero(loop, run):
    """3.14 reads from offset 0; before, the fallback read from wherever
    the file was (it seeked only to a non-zero offset) and then put it at
    offset + bytes sent all the same."""

    async def main():
        parts = await _pair(loop)
        source = io.BytesIO(b"abc")
        source.seek(2)
        sent = await loop.sendfile(parts[1], source, 0)
        return sent, source.tell(), await _finish(*parts)

    expected = (3, 3, b"abc") if NEW_POSITIONS else (1, 1, b"c")
    assert run(main()) == expected


def test_five_mib_to_a_slow_reader(loop, run, tmp_path):
    payload = os.urandom(5 * 1024 * 1024)
    (tmp_path / "big").write_bytes(payload)

    async def main():
        parts = await _pair(loop, lambda: Sink(paused_for=0.2))
        with open(tmp_path / "big", "rb") as f:
            assert await loop.sendfile(parts[1], f) == len(payload)
        received = await _finish(*parts)
        assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()

    run(main())


def test_buffered_writes_go_first_and_writes_after_follow(loop, run, datafile):
    async def main():
        parts = await _pair(loop, lambda: Sink(paused_for=0.1))
        transport = parts[1]
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        head = os.urandom(1024 * 1024)  # more than the socket takes at once
        transport.write(head)
        assert transport.get_write_buffer_size() > 0
        assert await loop.sendfile(transport, datafile) == len(DATA)
        transport.write(b"tail")
        assert await _finish(*parts) == head + DATA + b"tail"
        # The head's pause_writing got its resume_writing.
        assert parts[2].pauses == ["pause", "resume"]

    run(main())


def test_write_during_sendfile_raises(loop, run, tmp_path):
    payload = os.urandom(4 * 1024 * 1024)
    (tmp_path / "big").write_bytes(payload)

    async def main():
        parts = await _pair(loop, lambda: Sink(paused_for=0.2))
        transport = parts[1]
        with open(tmp_path / "big", "rb") as f:
            task = await _started(loop, loop.sendfile(transport, f))
            assert not task.done()
            with pytest.raises(RuntimeError, match="sendfile is in progress"):
                transport.write(b"x")
            assert await task == len(payload)
        assert await _finish(*parts) == payload

    run(main())


def test_reading_and_protocol_restored(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        server, transport, client, sink = parts
        await loop.sendfile(transport, datafile)
        assert transport.get_protocol() is client
        assert transport.is_reading()
        sink.transport.write(b"reply")
        await client.got.wait()
        assert bytes(client.data) == b"reply"
        await _finish(*parts)

    run(main())


def test_fallback_for_a_file_without_descriptor(loop, run):
    async def main():
        parts = await _pair(loop)
        f = io.BytesIO(DATA)
        assert await loop.sendfile(parts[1], f, 10, 100_000) == 100_000
        assert f.tell() == 100_010
        assert await _finish(*parts) == DATA[10:100_010]

    run(main())


def test_fallback_to_a_slow_reader_keeps_order(loop, run):
    payload = os.urandom(2 * 1024 * 1024)

    async def main():
        parts = await _pair(loop, lambda: Sink(paused_for=0.1))
        parts[1].write(b"head")
        assert await loop.sendfile(parts[1], io.BytesIO(payload)) == len(payload)
        parts[1].write(b"tail")
        received = await _finish(*parts)
        assert received == b"head" + payload + b"tail"

    run(main())


def test_fallback_disabled_raises_not_available(loop, run):
    async def main():
        parts = await _pair(loop)
        f = io.BytesIO(DATA)
        with pytest.raises(asyncio.SendfileNotAvailableError):
            await loop.sendfile(parts[1], f, fallback=False)
        assert f.tell() == 0
        parts[1].write(b"still usable")
        assert await _finish(*parts) == b"still usable"

    run(main())


def test_bad_arguments(loop, run, datafile, tmp_path):
    async def main():
        parts = await _pair(loop)
        transport = parts[1]
        with open(tmp_path / "text", "w") as text:
            with pytest.raises(ValueError, match="binary mode"):
                await loop.sendfile(transport, text)
        with pytest.raises(ValueError, match="offset"):
            await loop.sendfile(transport, datafile, -1)
        with pytest.raises(TypeError, match="offset"):
            await loop.sendfile(transport, datafile, "1")
        with pytest.raises(ValueError, match="count"):
            await loop.sendfile(transport, datafile, 0, 0)
        with pytest.raises(ValueError, match="count"):
            await loop.sendfile(transport, datafile, 0, -5)
        with pytest.raises(TypeError, match="count"):
            await loop.sendfile(transport, datafile, 0, 1.5)
        assert datafile.tell() == 0
        transport.write(b"ok")
        assert await _finish(*parts) == b"ok"

    run(main())


def test_closing_transport_raises(loop, run, datafile):
    async def main():
        parts = await _pair(loop)
        parts[1].close()
        with pytest.raises(RuntimeError, match="Transport is closing"):
            await loop.sendfile(parts[1], datafile)
        assert await _finish(*parts) == b""

    run(main())


def test_datagram_transport_not_supported(loop, run, datafile):
    async def main():
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        try:
            with pytest.raises(RuntimeError, match="not supported"):
                await loop.sendfile(transport, datafile)
        finally:
            transport.close()
            await asyncio.sleep(0)

    run(main())


def test_unix_socket_transport(loop, run, datafile, tmp_path):
    async def main():
        sinks = []

        def factory():
            sinks.append(Sink())
            return sinks[-1]

        path = str(tmp_path / "s.sock")
        server = await loop.create_unix_server(factory, path)
        transport, client = await loop.create_unix_connection(Client, path)
        assert await loop.sendfile(transport, datafile, 7) == len(DATA) - 7
        while not sinks:
            await asyncio.sleep(0)
        assert await _finish(server, transport, client, sinks[0]) == DATA[7:]

    run(main())


def test_peer_gone_mid_transfer(loop, run, tmp_path):
    payload = os.urandom(8 * 1024 * 1024)
    (tmp_path / "big").write_bytes(payload)

    async def main():
        server, transport, client, sink = await _pair(
            loop, lambda: Sink(paused_for=3600)
        )
        with open(tmp_path / "big", "rb") as f:
            task = await _started(loop, loop.sendfile(transport, f))
            sink.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0"
            )
            sink.transport.abort()  # RST: the client's send fails
            with pytest.raises(ConnectionError):
                await task
            assert 0 < f.tell() < len(payload)
        transport.close()
        await client.lost
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.ours_only
def test_regular_file_goes_through_os_sendfile(loop, run, datafile, monkeypatch):
    import loop_transports.sendfile as module

    calls = []

    def counting(*args):
        calls.append(args[1:])
        return real(*args)

    async def main():
        parts = await _pair(loop)
        assert await loop.sendfile(parts[1], datafile) == len(DATA)
        assert await _finish(*parts) == DATA

    real = os.sendfile
    monkeypatch.setattr(module, "os", _OsWith(sendfile=counting, real=real))
    run(main())
    assert calls and calls[0][1] == 0


@pytest.mark.ours_only
def test_os_sendfile_refusing_the_file_falls_back(loop, run, datafile, monkeypatch):
    import loop_transports.sendfile as module

    def refuse(*args):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(module, "os", _OsWith(sendfile=refuse, real=os.sendfile))

    async def main():
        parts = await _pair(loop)
        assert await loop.sendfile(parts[1], datafile, 5) == len(DATA) - 5
        assert await _finish(*parts) == DATA[5:]
        parts = await _pair(loop)
        with pytest.raises(asyncio.SendfileNotAvailableError):
            await loop.sendfile(parts[1], datafile, fallback=False)
        assert await _finish(*parts) == b""

    run(main())


class _OsWith:
    """The os module with sendfile replaced (os itself stays untouched)."""

    def __init__(self, sendfile, real):
        self.sendfile = sendfile
        self._real = real

    def __getattr__(self, name):
        return getattr(os, name)


def test_cancelled_sendfile_leaves_transport_usable(loop, run, tmp_path):
    payload = os.urandom(8 * 1024 * 1024)
    (tmp_path / "big").write_bytes(payload)

    async def main():
        server, transport, client, sink = await _pair(
            loop, lambda: Sink(paused_for=3600)
        )
        with open(tmp_path / "big", "rb") as f:
            task = await _started(loop, loop.sendfile(transport, f))
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert transport.get_protocol() is client
        transport.write(b"x")  # no longer refused
        transport.abort()
        await client.lost
        sink.transport.abort()  # it never reads: it would not notice
        await sink.lost
        server.close()
        await server.wait_closed()

    run(main())


def test_tls_transport_uses_the_fallback(loop, run, datafile, server_ctx, client_ctx):
    async def main():
        sinks = []

        def factory():
            sinks.append(Sink())
            return sinks[-1]

        server = await loop.create_server(factory, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        transport, client = await loop.create_connection(
            Client, "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        with pytest.raises(RuntimeError, match="fallback is disabled"):
            await loop.sendfile(transport, datafile, fallback=False)
        assert await loop.sendfile(transport, datafile, 3) == len(DATA) - 3
        assert datafile.tell() == len(DATA)
        while not sinks:
            await asyncio.sleep(0)
        while len(sinks[0].data) < len(DATA) - 3:
            await asyncio.sleep(0.001)
        assert bytes(sinks[0].data) == DATA[3:]
        transport.close()
        await client.lost
        server.close()
        await server.wait_closed()

    run(main())


def test_write_refused_while_the_buffer_drains(loop, run, datafile):
    async def main():
        parts = await _pair(loop, lambda: Sink(paused_for=0.1))
        transport = parts[1]
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        head = os.urandom(1024 * 1024)
        transport.write(head)
        task = loop.create_task(loop.sendfile(transport, datafile))
        await asyncio.sleep(0)  # sendfile is now waiting for the drain
        assert transport.get_write_buffer_size() > 0
        with pytest.raises(RuntimeError, match="sendfile is in progress"):
            transport.write(b"x")
        assert await task == len(DATA)
        assert await _finish(*parts) == head + DATA

    run(main())


def test_transport_declaring_asyncio_fallback_mode(loop, run):
    import enum

    class Mode(enum.Enum):
        FALLBACK = 1

    class Declared:
        _sendfile_compatible = Mode.FALLBACK

        def is_closing(self):
            return False

        def get_extra_info(self, name, default=None):
            return default

    async def main():
        with pytest.raises(RuntimeError, match="fallback is disabled"):
            await loop.sendfile(Declared(), io.BytesIO(b"x"), fallback=False)

    run(main())
