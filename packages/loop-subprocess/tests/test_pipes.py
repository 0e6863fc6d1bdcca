"""connect_read_pipe / connect_write_pipe over pipes, FIFOs, sockets and
character devices."""

import asyncio
import os
import re
import socket

import pytest
from loop_core.testing import gc_collect


class ReadRecorder(asyncio.Protocol):
    def __init__(self):
        loop = asyncio.get_running_loop()
        self.events = []
        self.data = bytearray()
        self.lost = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport
        self.events.append("connection_made")

    def data_received(self, data):
        self.data += data

    def eof_received(self):
        self.events.append("eof_received")
        return True  # ignored: a read pipe closes on EOF anyway

    def connection_lost(self, exc):
        self.events.append(("connection_lost", exc))
        self.lost.set_result(exc)


class WriteRecorder(asyncio.BaseProtocol):
    def __init__(self):
        loop = asyncio.get_running_loop()
        self.events = []
        self.lost = loop.create_future()
        self.paused = loop.create_future()

    def connection_made(self, transport):
        self.events.append("connection_made")

    def pause_writing(self):
        self.events.append("pause_writing")
        if not self.paused.done():
            self.paused.set_result(None)

    def resume_writing(self):
        self.events.append("resume_writing")

    def connection_lost(self, exc):
        self.events.append(("connection_lost", exc))
        self.lost.set_result(exc)


def test_read_pipe_data_eof_then_lost(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_read_pipe(ReadRecorder, open(r, "rb", 0))
        assert proto.events == ["connection_made"]
        assert transport.get_extra_info("pipe").fileno() == r
        assert not os.get_blocking(r)
        assert transport.is_reading()
        os.write(w, b"hello")
        os.close(w)
        exc = await proto.lost
        return exc, bytes(proto.data), proto.events, transport.is_closing()

    exc, data, events, closing = run(main())
    assert exc is None and data == b"hello" and closing
    assert events == ["connection_made", "eof_received", ("connection_lost", None)]


def test_read_pipe_pause_resume(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_read_pipe(ReadRecorder, open(r, "rb", 0))
        transport.pause_reading()
        assert not transport.is_reading()
        os.write(w, b"later")
        for _ in range(5):
            await asyncio.sleep(0)
        assert proto.data == b""
        transport.resume_reading()
        os.close(w)
        await proto.lost
        return bytes(proto.data)

    assert run(main()) == b"later"


def test_read_pipe_close(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_read_pipe(ReadRecorder, open(r, "rb", 0))
        transport.close()
        assert transport.is_closing()
        exc = await proto.lost
        os.close(w)
        with pytest.raises(OSError):
            os.fstat(r)  # the transport closed its pipe
        return exc

    assert run(main()) is None


def test_read_fifo_and_socket(loop, run, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    async def main():
        r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        w = os.open(fifo, os.O_WRONLY)
        transport, proto = await loop.connect_read_pipe(ReadRecorder, open(r, "rb", 0))
        os.write(w, b"fifo")
        os.close(w)
        await proto.lost
        a, b = socket.socketpair()
        transport2, proto2 = await loop.connect_read_pipe(ReadRecorder, a)
        b.sendall(b"sock")
        b.close()
        await proto2.lost
        return bytes(proto.data), bytes(proto2.data)

    assert run(main()) == (b"fifo", b"sock")


def test_read_character_device(loop, run):
    # A pty is a character device; its master reads EIO once the slave
    # side is closed, which ends the transport with that error.
    async def main():
        master, slave = os.openpty()
        transport, proto = await loop.connect_read_pipe(
            ReadRecorder, open(master, "rb", 0)
        )
        os.write(slave, b"tty")
        while b"tty" not in proto.data:
            await asyncio.sleep(0.001)
        os.close(slave)
        exc = await proto.lost
        return exc, bytes(proto.data)

    exc, data = run(main())
    assert isinstance(exc, OSError) and data == b"tty"


@pytest.mark.parametrize(
    "method, message",
    [
        ("connect_read_pipe", "Pipe transport is for pipes/sockets only."),
        (
            "connect_write_pipe",
            "Pipe transport is only for pipes, sockets and character devices",
        ),
    ],
)
def test_regular_file_is_value_error(loop, run, tmp_path, method, message):
    path = tmp_path / "regular"
    path.write_bytes(b"x")
    proto = ReadRecorder if method == "connect_read_pipe" else WriteRecorder

    async def main():
        with open(path, "r+b", 0) as f:
            with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
                await getattr(loop, method)(proto, f)

    run(main())


def test_write_pipe_flow_control_and_write_eof(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(w, "wb", 0)
        )
        assert transport.get_extra_info("pipe").fileno() == w
        assert transport.can_write_eof()
        transport.write(b"z" * (1 << 20))  # far more than the OS pipe takes
        await proto.paused
        assert transport.get_write_buffer_size() > 0
        received = bytearray()
        loop.add_reader(r, lambda: received.extend(os.read(r, 1 << 16)))
        transport.write_eof()
        assert transport.is_closing()
        transport.write(b"dropped")  # after write_eof: ignored, like asyncio
        exc = await proto.lost
        while len(received) < (1 << 20):
            await asyncio.sleep(0.001)
        loop.remove_reader(r)
        os.close(r)
        return exc, len(received), proto.events

    exc, size, events = run(main())
    assert exc is None and size == 1 << 20
    assert events == [
        "connection_made",
        "pause_writing",
        "resume_writing",
        ("connection_lost", None),
    ]


def test_write_pipe_does_not_read(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(w, "wb", 0)
        )
        for method in ("is_reading", "pause_reading", "resume_reading"):
            with pytest.raises(NotImplementedError):
                getattr(transport, method)()
        other = WriteRecorder()
        transport.set_protocol(other)
        assert transport.get_protocol() is other
        transport.close()
        await other.lost
        os.close(r)

    run(main())


def test_write_pipe_reader_closed_idle_is_clean_lost(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(w, "wb", 0)
        )
        os.close(r)
        return await proto.lost, transport.is_closing()

    assert run(main()) == (None, True)


def test_write_pipe_reader_closed_with_data_is_broken_pipe(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(w, "wb", 0)
        )
        transport.write(b"q" * (1 << 20))
        await proto.paused
        os.close(r)
        return await proto.lost

    assert isinstance(run(main()), BrokenPipeError)


def test_write_pipe_abort_drops_data(loop, run):
    async def main():
        r, w = os.pipe()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(w, "wb", 0)
        )
        transport.write(b"q" * (1 << 20))
        transport.abort()
        exc = await proto.lost
        assert transport.get_write_buffer_size() == 0
        os.close(r)
        return exc

    assert run(main()) is None


def test_write_socket(loop, run):
    async def main():
        a, b = socket.socketpair()
        transport, proto = await loop.connect_write_pipe(WriteRecorder, a)
        transport.write(b"over a socket")
        transport.close()
        await proto.lost
        with b:
            return b.recv(100)

    assert run(main()) == b"over a socket"


def test_unclosed_pipe_transport_warns(loop, run):
    async def main():
        r, w = os.pipe()
        transport, _ = await loop.connect_read_pipe(asyncio.Protocol, open(r, "rb", 0))
        os.close(w)
        transport.pause_reading()
        with pytest.warns(ResourceWarning, match="unclosed transport"):
            del transport
            gc_collect()

    run(main())


def test_write_character_device(loop, run):
    async def main():
        master, slave = os.openpty()
        transport, proto = await loop.connect_write_pipe(
            WriteRecorder, open(master, "wb", 0)
        )
        transport.write(b"to the tty\n")
        assert transport.get_write_buffer_size() == 0  # written at once
        with open(slave, "rb", 0) as f:
            data = f.read(11)  # the line is there (canonical mode)
            transport.close()
            return await proto.lost, data

    assert run(main()) == (None, b"to the tty\n")
