"""open_connection / start_server and the Unix twins, over real sockets.

Our streams on every loop: loop-core's (through loop-transports) and
asyncio's own, so what is tested is the streams, not the transports.
"""

import asyncio
import shutil
import socket
import struct
import tempfile

import pytest
from loop_streams import (
    StreamReaderProtocol,
    StreamWriter,
    open_connection,
    open_unix_connection,
    start_server,
    start_unix_server,
)

pytestmark = pytest.mark.timeout(30)


def run(loop, coro, timeout=10):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


@pytest.fixture
def sock_dir():
    path = tempfile.mkdtemp(prefix="ls-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


HANDLERS = set()


async def echo_lines(reader, writer):
    HANDLERS.add(asyncio.current_task())
    try:
        async for line in reader:
            writer.write(line.upper())
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def closed(server, *writers):
    for writer in writers:
        writer.close()
        await writer.wait_closed()
    server.close()
    await server.wait_closed()
    # asyncio 3.11's wait_closed() does not wait for the handlers.
    mine = [t for t in HANDLERS if t.get_loop() is asyncio.get_running_loop()]
    HANDLERS.difference_update(mine)
    await asyncio.gather(*mine)


def test_tcp_echo(loop):
    async def main():
        server = await start_server(echo_lines, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        assert writer.get_extra_info("peername") == ("127.0.0.1", port)
        assert isinstance(writer.transport, asyncio.Transport)
        writer.write(b"hello\n")
        writer.writelines([b"wor", b"ld\n"])
        await writer.drain()
        first = await reader.readline()
        second = await reader.readexactly(6)
        assert writer.can_write_eof()
        writer.write_eof()
        rest = await reader.read()
        assert reader.at_eof()
        await closed(server, writer)
        return first, second, rest

    assert run(loop, main()) == (b"HELLO\n", b"WORLD\n", b"")


def test_unix_echo(loop, sock_dir):
    path = f"{sock_dir}/s"

    async def main():
        server = await start_unix_server(echo_lines, path)
        reader, writer = await open_unix_connection(path)
        writer.write(b"over unix\n")
        line = await reader.readline()
        await closed(server, writer)
        return line

    assert run(loop, main()) == b"OVER UNIX\n"


def test_plain_function_callback(loop):
    """A callback that is not a coroutine function is simply called."""
    seen = []

    def callback(reader, writer):
        seen.append((type(reader).__name__, type(writer).__name__))
        writer.write(b"hi")
        writer.close()

    async def main():
        server = await start_server(callback, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        data = await reader.read()
        await closed(server, writer)
        return data

    assert run(loop, main()) == b"hi"
    assert seen == [("StreamReader", "StreamWriter")]


def test_callback_exception_goes_to_handler(loop, loop_errors):
    async def failing(reader, writer):
        raise ZeroDivisionError("in callback")

    async def main():
        server = await start_server(failing, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        data = await reader.read()  # the server closes the transport
        await closed(server, writer)
        return data

    assert run(loop, main()) == b""
    assert [c["message"] for c in loop_errors] == [
        "Unhandled exception in client_connected_cb"
    ]
    assert isinstance(loop_errors[0]["exception"], ZeroDivisionError)
    loop_errors.clear()


def test_plain_function_callback_that_raises_closes_the_connection(loop, loop_errors):
    """Reported like a coroutine's error, and the client sees EOF instead
    of a connection left open forever."""

    def failing(reader, writer):
        raise ZeroDivisionError("in plain callback")

    async def main():
        server = await start_server(failing, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        data = await reader.read()
        await closed(server, writer)
        return data

    assert run(loop, main()) == b""
    assert [c["message"] for c in loop_errors] == [
        "Unhandled exception in client_connected_cb"
    ]
    assert isinstance(loop_errors[0]["exception"], ZeroDivisionError)
    loop_errors.clear()


def test_limit_applies_to_lines(loop):
    async def send_long(reader, writer):
        writer.write(b"x" * 100 + b"\nshort\n")
        writer.close()

    async def main():
        server = await start_server(send_long, "127.0.0.1", 0, limit=16)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port, limit=16)
        with pytest.raises(ValueError, match="limit"):
            while True:
                await reader.readline()
        line = await reader.readline()
        await closed(server, writer)
        return line

    assert run(loop, main()) == b"short\n"


def _reset_on_close(writer):
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def test_drain_raises_the_connection_error(loop):
    async def reset(reader, writer):
        await reader.readexactly(4)
        _reset_on_close(writer)

    async def main():
        server = await start_server(reset, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        writer.write(b"ping")
        with pytest.raises(ConnectionResetError) as read_error:
            await reader.read()
        with pytest.raises(ConnectionResetError) as drain_error:
            writer.write(b"more")
            await writer.drain()
        assert drain_error.value is read_error.value is reader.exception()
        with pytest.raises(ConnectionResetError):
            await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run(loop, main())


def test_drain_after_close_raises(loop):
    async def main():
        server = await start_server(echo_lines, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        await writer.drain()  # open, not paused: returns at once
        writer.close()
        assert writer.is_closing()
        with pytest.raises(ConnectionResetError, match="Connection lost"):
            await writer.drain()
        await writer.wait_closed()
        await writer.wait_closed()  # again: still fine
        await closed(server)

    run(loop, main())


def test_drain_waits_for_the_peer(loop):
    """drain() blocks while the transport is over its high-water mark and
    returns once the peer has read enough."""
    release = None

    async def slow(reader, writer):
        await release.wait()
        total = len(await reader.read())
        writer.write(str(total).encode())
        writer.close()

    async def main():
        nonlocal release
        release = asyncio.Event()
        server = await start_server(slow, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        payload = b"z" * (16 * 1024 * 1024)
        writer.write(payload)
        drain = asyncio.ensure_future(writer.drain())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not drain.done()
        assert writer.transport.get_write_buffer_size() > 0
        release.set()
        await drain
        writer.write_eof()
        reply = await reader.read()
        await closed(server, writer)
        return int(reply)

    assert run(loop, main(), timeout=20) == 16 * 1024 * 1024


def test_stalled_reader_stays_bounded(loop):
    """A StreamReader whose consumer stalls holds at most 2 * limit plus one
    transport read (256 KiB); the rest waits in the kernel and the sender's
    buffer, and nothing is lost once reading resumes."""
    limit = 64 * 1024
    total = 8 * 1024 * 1024

    async def flood(reader, writer):
        writer.write(b"f" * total)
        await writer.drain()
        writer.close()

    async def main():
        server = await start_server(flood, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port, limit=limit)
        protocol = writer.transport.get_protocol()
        peak = 0
        paused = asyncio.get_running_loop().create_future()
        transport = writer.transport
        buffer_updated = protocol.buffer_updated

        def watched(nbytes):
            nonlocal peak
            buffer_updated(nbytes)
            peak = max(peak, len(reader._buffer))
            if not transport.is_reading() and not paused.done():
                paused.set_result(None)

        protocol.buffer_updated = watched
        await paused
        for _ in range(20):  # the loop goes on polling; nothing more comes in
            await asyncio.sleep(0)
        assert not transport.is_reading()
        stalled = len(reader._buffer)
        received = len(await reader.read())
        await closed(server, writer)
        return stalled, peak, received

    stalled, peak, received = run(loop, main(), timeout=20)
    assert 2 * limit < stalled <= peak <= 2 * limit + 256 * 1024
    assert received == total


def test_subclass_data_received_is_called(loop):
    """A StreamReaderProtocol subclass that overrides data_received sees
    every chunk even though the class is a BufferedProtocol."""
    chunks = []

    class Spy(StreamReaderProtocol):
        def data_received(self, data):
            chunks.append(bytes(data))
            super().data_received(data)

    async def send(reader, writer):
        writer.write(b"spied on")
        writer.close()

    async def main():
        server = await start_server(send, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        from loop_streams import StreamReader

        reader = StreamReader()
        protocol = Spy(reader)
        transport, _ = await asyncio.get_running_loop().create_connection(
            lambda: protocol, "127.0.0.1", port
        )
        writer = StreamWriter(transport, protocol, reader, asyncio.get_running_loop())
        data = await reader.read()
        await closed(server, writer)
        return data

    assert run(loop, main()) == b"spied on"
    assert b"".join(chunks) == b"spied on"


def test_server_callback_cancelled_closes_transport(loop):
    started = None

    async def hang(reader, writer):
        started.set_result(asyncio.current_task())
        await asyncio.Event().wait()

    async def main():
        nonlocal started
        started = asyncio.get_running_loop().create_future()
        server = await start_server(hang, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        task = await started
        task.cancel()
        data = await reader.read()  # server side closed by the cancellation
        await closed(server, writer)
        return data

    assert run(loop, main()) == b""
