"""FdTransport over a socketpair: it uses only public loop APIs, so it must
behave the same on asyncio's loop."""

import asyncio
import os
import socket
import struct

import pytest
from loop_core import FdTransport
from loop_core.testing import gc_collect

BIG = 4 * 1024 * 1024


class SockTransport(FdTransport):
    """With write_eof(): half-closes the socket."""

    def __init__(self, loop, sock, protocol, **kwargs):
        self.sock = sock
        super().__init__(loop, sock, protocol, **kwargs)

    def fd_shutdown(self):
        self.sock.shutdown(socket.SHUT_WR)


class Recorder(asyncio.Protocol):
    def __init__(self, loop, keep_open=False):
        self.loop = loop
        self.keep_open = keep_open
        self.transport = None
        self.events = []
        self.data = bytearray()
        self.lost = loop.create_future()
        self.eof = loop.create_future()
        self.resumed = loop.create_future()
        self.paused = 0
        self.resumes = 0
        self._want = None

    def connection_made(self, transport):
        self.transport = transport
        self.events.append("made")

    def data_received(self, data):
        self.data += data
        self._check_want()

    def eof_received(self):
        self.events.append("eof")
        self.eof.set_result(None)
        return self.keep_open

    def pause_writing(self):
        self.paused += 1

    def resume_writing(self):
        self.resumes += 1
        if not self.resumed.done():
            self.resumed.set_result(None)

    def connection_lost(self, exc):
        self.events.append("lost")
        assert self.transport.is_closing()
        self.lost.set_result(exc)  # a second call would raise here

    def received(self, n):
        """A future that is done once n bytes have arrived."""
        self._want = (n, self.loop.create_future())
        self._check_want()
        return self._want[1]

    def _check_want(self):
        if self._want and len(self.data) >= self._want[0] and not self._want[1].done():
            self._want[1].set_result(bytes(self.data))


def run(loop, aw):
    return loop.run_until_complete(asyncio.wait_for(aw, 20))


async def read_to_eof(loop, sock):
    chunks = []
    while data := await loop.sock_recv(sock, 256 * 1024):
        chunks.append(data)
    return b"".join(chunks)


def make(loop, sock, cls=SockTransport, **kwargs):
    proto = Recorder(loop, **kwargs)
    return cls(loop, sock, proto), proto


def test_made_waiter_and_extra(loop, pair):
    a, _ = pair
    waiter = loop.create_future()
    proto = Recorder(loop)
    tr = SockTransport(loop, a, proto, extra={"peername": "peer"}, waiter=waiter)
    run(loop, waiter)
    assert proto.transport is tr and proto.events == ["made"]
    assert tr.get_protocol() is proto
    assert tr.get_extra_info("peername") == "peer"
    assert tr.get_extra_info("missing", 5) == 5
    assert tr.is_reading() and not tr.is_closing()
    tr.close()
    assert run(loop, proto.lost) is None


def test_data_then_eof_closes(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    b.send(b"hello")
    b.shutdown(socket.SHUT_WR)
    assert run(loop, proto.lost) is None
    assert proto.data == b"hello"
    assert proto.events == ["made", "eof", "lost"]
    assert a.fileno() == -1  # the transport closed its fd
    assert run(loop, read_to_eof(loop, b)) == b""


def test_eof_keep_open_then_reply(loop, pair):
    a, b = pair
    tr, proto = make(loop, a, keep_open=True)
    b.shutdown(socket.SHUT_WR)

    async def main():
        await proto.eof
        assert not tr.is_closing()
        tr.write(b"reply")
        tr.close()
        return await read_to_eof(loop, b)

    assert run(loop, main()) == b"reply"
    assert run(loop, proto.lost) is None


def test_connection_lost_once(loop, pair):
    a, _ = pair
    tr, proto = make(loop, a)
    tr.close()
    tr.close()
    tr.abort()
    assert run(loop, proto.lost) is None
    tr.abort()
    tr.close()
    run(loop, asyncio.sleep(0))
    assert proto.events.count("lost") == 1


def test_close_flushes_queued_data(loop, pair):
    a, b = pair
    payload = os.urandom(BIG)
    tr, proto = make(loop, a)
    tr.write(payload)
    assert tr.get_write_buffer_size() > 0
    tr.close()
    assert tr.is_closing()
    assert run(loop, read_to_eof(loop, b)) == payload
    assert run(loop, proto.lost) is None


def test_abort_drops_queued_data(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    tr.write(b"x" * BIG)
    assert tr.get_write_buffer_size() > 0
    tr.abort()
    assert tr.get_write_buffer_size() == 0
    assert run(loop, proto.lost) is None
    assert len(run(loop, read_to_eof(loop, b))) < BIG


def test_write_flow_control(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    tr.set_write_buffer_limits(high=64 * 1024)
    assert tr.get_write_buffer_limits() == (16 * 1024, 64 * 1024)
    tr.write(b"a" * (1024 * 1024))
    assert proto.paused == 1
    tr.write(b"b" * (1024 * 1024))  # still paused: no second call
    assert proto.paused == 1 and proto.resumes == 0

    async def drain():
        data = bytearray()
        while len(data) < 2 * 1024 * 1024:
            data += await loop.sock_recv(b, 256 * 1024)
        return bytes(data)

    data = run(loop, drain())
    run(loop, proto.resumed)
    assert data == b"a" * (1024 * 1024) + b"b" * (1024 * 1024)
    assert (proto.paused, proto.resumes) == (1, 1)
    assert tr.get_write_buffer_size() == 0
    tr.close()
    run(loop, proto.lost)


def test_buffer_limits(loop, pair):
    tr, proto = make(loop, pair[0])
    valid = [
        (100, None, (25, 100)),
        (None, 10, (10, 40)),
        (0, 0, (0, 0)),
        (50, 50, (50, 50)),
    ]
    for high, low, expected in valid:
        tr.set_write_buffer_limits(high=high, low=low)
        assert tr.get_write_buffer_limits() == expected
    for high, low in [(10, 20), (-1, None), (None, -1), (-1, -1)]:
        with pytest.raises(ValueError):
            tr.set_write_buffer_limits(high=high, low=low)
        assert tr.get_write_buffer_limits() == (50, 50)  # unchanged
    tr.close()
    run(loop, proto.lost)


def test_write_errors(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    with pytest.raises(TypeError):
        tr.write("text")
    tr.write(b"before eof")
    assert tr.can_write_eof()
    tr.write_eof()
    tr.write_eof()  # a second call does nothing
    with pytest.raises(RuntimeError):
        tr.write(b"after eof")
    assert run(loop, read_to_eof(loop, b)) == b"before eof"
    tr.close()
    assert run(loop, proto.lost) is None


def test_write_eof_after_queued_data_and_keep_reading(loop, pair):
    a, b = pair
    payload = os.urandom(BIG)
    tr, proto = make(loop, a)
    tr.writelines([payload[:10], memoryview(payload)[10:]])
    tr.write_eof()
    assert run(loop, read_to_eof(loop, b)) == payload
    # Half-closed: the transport still reads.
    b.send(b"still open")
    assert run(loop, proto.received(10)) == b"still open"
    b.shutdown(socket.SHUT_WR)
    assert run(loop, proto.lost) is None


def test_base_class_cannot_write_eof(loop, pair):
    tr, proto = make(loop, pair[0], cls=FdTransport)
    assert not tr.can_write_eof()
    with pytest.raises(NotImplementedError):
        tr.write_eof()
    tr.close()
    run(loop, proto.lost)


def test_queued_mutable_buffer_is_copied(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    tr.write(b"q" * BIG)  # fills the socket: the next write is queued
    chunk = bytearray(b"original")
    tr.write(chunk)
    chunk[:] = b"changed!"
    tr.close()
    data = run(loop, read_to_eof(loop, b))
    assert data == b"q" * BIG + b"original"
    run(loop, proto.lost)


def test_write_to_closed_peer(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    tr.pause_reading()  # so the error comes from the write, not an EOF
    b.close()
    for _ in range(3):
        tr.write(b"x" * 100_000)
    assert isinstance(run(loop, proto.lost), BrokenPipeError)
    assert proto.events == ["made", "lost"]


def test_write_after_close_dropped(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    tr.write(b"kept")
    tr.close()
    tr.write(b"dropped")
    assert run(loop, read_to_eof(loop, b)) == b"kept"
    assert run(loop, proto.lost) is None
    tr.write(b"dropped too")


def test_write_after_close_with_data_queued_is_sent(loop, pair):
    """As asyncio's transports: close() waits for the queue to drain, and
    what is written before it has drained joins the queue."""
    a, b = pair
    tr, proto = make(loop, a)
    tr.write(b"x" * BIG)
    assert tr.get_write_buffer_size() > 0
    tr.close()
    tr.write(b"tail")
    data = run(loop, read_to_eof(loop, b))
    assert len(data) == BIG + 4 and data.endswith(b"xtail")
    assert run(loop, proto.lost) is None


def test_subclass_may_drop_writes_after_close(loop, pair):
    """asyncio's pipe transports drop writes made after close(): a subclass
    says so with ``drop_writes_after_close``."""

    class Dropping(SockTransport):
        drop_writes_after_close = True

    a, b = pair
    tr, proto = make(loop, a, cls=Dropping)
    tr.write(b"x" * BIG)
    tr.close()
    tr.write(b"tail")
    data = run(loop, read_to_eof(loop, b))
    assert len(data) == BIG and not data.endswith(b"tail")
    assert run(loop, proto.lost) is None


def test_pause_and_resume_reading(loop, pair):
    a, b = pair
    tr, proto = make(loop, a)
    b.send(b"one")
    assert run(loop, proto.received(3)) == b"one"
    tr.pause_reading()
    tr.pause_reading()
    assert not tr.is_reading()
    b.send(b"two")
    # Let one readiness event of another fd through: had the transport's
    # reader still been registered, it would have run in the same batch.
    c, d = socket.socketpair()
    with c, d:
        seen = loop.create_future()
        loop.add_reader(c, lambda: seen.done() or seen.set_result(None))
        d.send(b"!")
        run(loop, seen)
        loop.remove_reader(c)
    assert proto.data == b"one"
    tr.resume_reading()
    tr.resume_reading()
    assert tr.is_reading()
    assert run(loop, proto.received(6)) == b"onetwo"
    tr.close()
    run(loop, proto.lost)


def test_set_protocol(loop, pair):
    a, b = pair
    tr, first = make(loop, a)
    b.send(b"1")
    run(loop, first.received(1))
    second = Recorder(loop)
    second.transport = tr
    tr.set_protocol(second)
    assert tr.get_protocol() is second
    b.send(b"2")
    assert run(loop, second.received(1)) == b"2"
    assert first.data == b"1"
    tr.close()
    assert run(loop, second.lost) is None
    assert not first.lost.done()


class Buffered(asyncio.BufferedProtocol):
    def __init__(self, loop):
        self.buf = bytearray(7)  # small: many reads
        self.data = bytearray()
        self.sizes = []
        self.lost = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        self.sizes.append(sizehint)
        return memoryview(self.buf)

    def buffer_updated(self, nbytes):
        self.data += self.buf[:nbytes]

    def eof_received(self):
        return None

    def connection_lost(self, exc):
        self.lost.set_result(exc)


def test_buffered_protocol(loop, pair):
    a, b = pair
    proto = Buffered(loop)
    SockTransport(loop, a, proto)
    payload = bytes(range(256)) * 4
    b.sendall(payload)
    b.shutdown(socket.SHUT_WR)
    assert run(loop, proto.lost) is None
    assert proto.data == payload
    assert len(proto.sizes) >= len(payload) // 7


def test_protocol_error_reported(loop, pair, loop_errors):
    a, b = pair
    proto = Recorder(loop)

    def broken(data):
        raise ZeroDivisionError

    proto.data_received = broken
    SockTransport(loop, a, proto)
    b.send(b"x")
    assert isinstance(run(loop, proto.lost), ZeroDivisionError)
    (context,) = loop_errors
    loop_errors.clear()
    assert isinstance(context["exception"], ZeroDivisionError)
    assert "data_received" in context["message"]


def test_pause_writing_error_reported(loop, pair, loop_errors):
    a, b = pair
    tr, proto = make(loop, a)

    def broken():
        raise ZeroDivisionError

    proto.pause_writing = broken
    tr.write(b"x" * BIG)  # passes the high-water mark
    (context,) = loop_errors
    loop_errors.clear()
    assert isinstance(context["exception"], ZeroDivisionError)
    assert "pause_writing" in context["message"]
    tr.abort()
    assert run(loop, proto.lost) is None


def test_unclosed_transport_warns(loop, pair):
    a, b = pair
    tr, proto = make(loop, a, cls=FdTransport)
    run(loop, asyncio.sleep(0))
    assert proto.transport is tr
    tr.pause_reading()  # the loop no longer refers to it
    del tr, proto
    with pytest.warns(ResourceWarning, match="unclosed transport"):
        gc_collect()
    assert a.fileno() == -1  # closed by the finaliser: no fd leaks


def test_peer_reset(loop):
    srv = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(srv.getsockname())
    peer, _ = srv.accept()
    srv.close()
    try:
        client.setblocking(False)
        tr, proto = make(loop, client)
        run(loop, asyncio.sleep(0))
        # SO_LINGER with a zero timeout: close() sends a reset.
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        exc = run(loop, proto.lost)
        assert isinstance(exc, ConnectionResetError)
        assert proto.events == ["made", "lost"]
    finally:
        client.close()
        peer.close()


@pytest.mark.ours_only  # asyncio's loop knows only its own transports' fds
def test_fd_of_open_transport_refused_by_public_watchers(loop, pair):
    """As asyncio does for its transports: a second watcher would steal the
    transport's readiness events, so add/remove_reader/writer refuse its fd
    while it is open, and accept it again once the transport is closing."""
    a, b = pair
    tr, proto = make(loop, a)
    fd = a.fileno()
    for method in (loop.add_reader, loop.add_writer):
        with pytest.raises(RuntimeError, match="is used by transport"):
            method(fd, lambda: None)
    for method in (loop.remove_reader, loop.remove_writer):
        with pytest.raises(RuntimeError, match="is used by transport"):
            method(a)
    b.send(b"still works")
    assert run(loop, proto.received(11)) == b"still works"
    tr.close()
    assert loop.remove_writer(fd) is False  # closing: no longer refused
    assert run(loop, proto.lost) is None


class CountingHooks(SockTransport):
    """Hooks overridden by methods: FdTransport must call them."""

    def __init__(self, loop, sock, protocol, **kwargs):
        self.calls = []
        super().__init__(loop, sock, protocol, **kwargs)

    def fd_read(self, size):
        self.calls.append("read")
        return self.sock.recv(size)

    def fd_write(self, data):
        self.calls.append("write")
        return self.sock.send(data)


class PropertyHooks(SockTransport):
    """Hooks given as properties returning C functions, looked up once."""

    lookups = 0

    @property
    def fd_read(self):
        type(self).lookups += 1
        return self.sock.recv

    @property
    def fd_write(self):
        type(self).lookups += 1
        return self.sock.send


def test_hooks_overridden_by_methods_are_called(loop, pair):
    a, b = pair
    tr, proto = make(loop, a, cls=CountingHooks)
    run(loop, asyncio.sleep(0))
    tr.write(b"ping")
    assert b.recv(10) == b"ping"
    b.sendall(b"pong")
    assert run(loop, proto.received(4)) == b"pong"
    assert tr.calls[:2] == ["write", "read"]
    tr.close()
    run(loop, proto.lost)


def test_hooks_given_as_properties_are_looked_up_once(loop, pair):
    a, b = pair
    PropertyHooks.lookups = 0
    tr, proto = make(loop, a, cls=PropertyHooks)
    run(loop, asyncio.sleep(0))
    for _ in range(3):
        tr.write(b"ping")
        assert b.recv(10) == b"ping"
        b.sendall(b"pong")
        run(loop, proto.received(len(proto.data) + 4))
    assert PropertyHooks.lookups == 2
    tr.close()
    run(loop, proto.lost)


def test_transport_takes_new_attributes(loop, pair):
    """Its state is in slots, but code may still add attributes to it."""
    a, _ = pair
    tr, proto = make(loop, a, cls=FdTransport)
    tr.tag = "mine"
    assert tr.tag == "mine"
    tr.close()
    run(loop, proto.lost)


class SizeRecorder(SockTransport):
    def __init__(self, loop, sock, protocol, **kwargs):
        self.sizes = []
        super().__init__(loop, sock, protocol, **kwargs)

    def fd_read(self, size):
        self.sizes.append(size)
        return self.sock.recv(size)


@pytest.mark.parametrize("max_read", [128 * 1024, 256 * 1024])  # PyPy's, CPython's
def test_reads_grow_while_they_fill_and_shrink_after(loop, pair, max_read):
    """Reads ask for 64 KiB (below malloc's mmap threshold) until one is
    filled, then for max_read_size until one falls short; with the default
    of either interpreter, on both."""
    a, b = pair

    class Recorder(SizeRecorder):
        max_read_size = max_read

    tr, proto = make(loop, a, cls=Recorder)
    run(loop, asyncio.sleep(0))
    b.sendall(b"x" * 1000)
    run(loop, proto.received(1000))
    assert tr.sizes == [64 * 1024]

    async def bulk():
        received = proto.received(1000 + BIG)
        await loop.sock_sendall(b, b"y" * BIG)
        await received

    run(loop, bulk())
    assert max_read in tr.sizes
    assert max(tr.sizes) == max_read
    big = tr.sizes.index(max_read)
    assert tr.sizes[big - 1] == 64 * 1024  # grew after a filled 64 KiB read
    b.send(b"z")
    run(loop, proto.received(1001 + BIG))
    b.send(b"z")
    run(loop, proto.received(1002 + BIG))
    assert tr.sizes[-1] == 64 * 1024  # a short read shrank it back
    tr.close()
    run(loop, proto.lost)
