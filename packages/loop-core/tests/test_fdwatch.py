"""add_reader / remove_reader / add_writer / remove_writer."""

import asyncio
import socket

import pytest


class FilenoOnly:
    """A file-like object: only fileno(), as add_reader() accepts."""

    def __init__(self, sock):
        self._sock = sock

    def fileno(self):
        return self._sock.fileno()


def wait_for(loop, fut):
    return loop.run_until_complete(asyncio.wait_for(fut, 10))


def settle(loop, sync_pair):
    """Run until one more readiness event has been dispatched.

    Every fd ready at that poll has had its callback run by the time this
    returns, so a reader that still existed would have been called.
    """
    c, d = sync_pair
    fut = loop.create_future()
    loop.add_reader(c, lambda: fut.done() or fut.set_result(None))
    d.send(b"s")
    try:
        wait_for(loop, fut)
    finally:
        loop.remove_reader(c)
        c.recv(16)


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: s.fileno(), FilenoOnly])
def test_reader_gets_args(loop, pair, wrap):
    a, b = pair
    fut = loop.create_future()
    loop.add_reader(wrap(a), lambda x, y: fut.set_result((x, y, a.recv(10))), 1, "two")
    b.send(b"ping")
    assert wait_for(loop, fut) == (1, "two", b"ping")
    assert loop.remove_reader(wrap(a)) is True
    assert loop.remove_reader(wrap(a)) is False


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: s.fileno(), FilenoOnly])
def test_writer_gets_args(loop, pair, wrap):
    a, _ = pair
    fut = loop.create_future()
    loop.add_writer(wrap(a), lambda *args: fut.done() or fut.set_result(args), "w", 3)
    assert wait_for(loop, fut) == ("w", 3)
    assert loop.remove_writer(wrap(a)) is True
    assert loop.remove_writer(wrap(a)) is False


def test_remove_never_added(loop, pair):
    a, _ = pair
    assert loop.remove_reader(a) is False
    assert loop.remove_writer(a) is False


def test_replacing_reader(loop, pair):
    a, b = pair
    calls = []
    fut = loop.create_future()
    loop.add_reader(a, calls.append, "first")

    def second():
        calls.append("second")
        a.recv(10)
        fut.set_result(None)

    loop.add_reader(a, second)
    b.send(b"x")
    wait_for(loop, fut)
    assert calls == ["second"]
    assert loop.remove_reader(a) is True


def test_no_callback_after_remove(loop, pair, pair2):
    a, b = pair
    calls = []
    loop.add_reader(a, calls.append, "read")
    assert loop.remove_reader(a) is True
    b.send(b"data")
    settle(loop, pair2)
    assert calls == []


def test_reader_and_writer_independent(loop, pair, pair2):
    a, b = pair
    calls = []
    loop.add_reader(a, calls.append, "r")
    loop.add_writer(a, calls.append, "w")
    assert loop.remove_writer(a) is True
    # The reader is still there and is the only one called.
    b.send(b"x")
    settle(loop, pair2)
    assert calls and set(calls) == {"r"}
    assert loop.remove_reader(a) is True
    calls.clear()
    loop.add_writer(a, calls.append, "w")
    settle(loop, pair2)
    assert calls and set(calls) == {"w"}
    assert loop.remove_writer(a) is True
    assert loop.remove_reader(a) is False


class BadFileno:
    def __init__(self, result):
        self.result = result

    def fileno(self):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


BAD_FDS = [-1, BadFileno(-5), BadFileno("x"), BadFileno(ValueError("closed")), object()]


def test_bad_fd_valueerror(loop):
    for bad in BAD_FDS:
        for method in (loop.add_reader, loop.add_writer):
            with pytest.raises(ValueError):
                method(bad, print)
    for method in (loop.remove_reader, loop.remove_writer):
        with pytest.raises(ValueError):
            method(object())


def test_closed_loop(loop, pair):
    a, _ = pair
    loop.close()
    with pytest.raises(RuntimeError):
        loop.add_reader(a, print)
    with pytest.raises(RuntimeError):
        loop.add_writer(a, print)
    assert loop.remove_reader(a) is False
    assert loop.remove_writer(a) is False


def test_close_drops_readers(loop_factory, pair):
    loop = loop_factory()
    a, _ = pair
    loop.add_reader(a, print)
    loop.add_writer(a, print)
    loop.close()
    # The fd is usable by a fresh loop.
    loop2 = loop_factory()
    fut = loop2.create_future()
    loop2.add_writer(a, lambda: fut.done() or fut.set_result(True))
    assert wait_for(loop2, fut) is True
    assert loop2.remove_writer(a) is True
    loop2.close()


def test_regular_file_refused_and_not_recorded(loop, tmp_path):
    path = tmp_path / "plain"
    path.write_bytes(b"data")
    with open(path, "rb") as f:
        # epoll cannot watch regular files; asyncio's loop says so too.
        with pytest.raises(OSError):
            loop.add_reader(f, print)
        assert loop.remove_reader(f) is False


def test_remove_after_fd_closed_then_reuse(loop, pair2):
    a, b = socket.socketpair()
    fd = a.fileno()
    loop.add_reader(fd, print)
    a.close()
    b.close()
    # Removing by number after the close still works...
    assert loop.remove_reader(fd) is True
    # ...and a new socket that reuses the number can be watched.
    c, d = socket.socketpair()
    with c, d:
        fut = loop.create_future()
        loop.add_reader(c, lambda: fut.done() or fut.set_result(c.recv(10)))
        d.send(b"reused")
        assert wait_for(loop, fut) == b"reused"
        assert loop.remove_reader(c) is True


@pytest.mark.ours_only
def test_selectors_poller(loop_factory, pair):
    # The portable fallback, exercised on Linux too.
    import threading

    import loop_core

    loop = loop_core.EventLoop(poller="selectors")
    a, b = pair
    try:
        payload = b"z" * (1024 * 1024)

        async def main():
            got = loop.create_future()
            loop.add_reader(a, lambda: got.done() or got.set_result(a.recv(5)))
            b.send(b"hello")
            assert await got == b"hello"
            assert loop.remove_reader(a) is True

            async def read_all():
                data = b""
                while len(data) < len(payload):
                    data += await loop.sock_recv(b, len(payload))
                return data

            reader = asyncio.ensure_future(read_all())
            await loop.sock_sendall(a, payload)
            assert await reader == payload
            woken = loop.create_future()
            threading.Thread(
                target=loop.call_soon_threadsafe, args=(woken.set_result, "woken")
            ).start()
            return await woken

        assert loop.run_until_complete(asyncio.wait_for(main(), 10)) == "woken"
    finally:
        loop.close()


# -- closed objects and reused numbers (issue 13) ---------------------------


def _watchers(loop, kind):
    if kind == "reader":
        return loop.add_reader, loop.remove_reader
    return loop.add_writer, loop.remove_writer


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_remove_through_closed_socket(loop, kind):
    # asyncio's selectors find the registration by the object once its
    # fileno() is -1; the next remove has nothing left to find.
    add, remove = _watchers(loop, kind)
    a, b = socket.socketpair()
    with b:
        add(a, print)
        a.close()
        assert remove(a) is True
        with pytest.raises(ValueError):
            remove(a)


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_closed_then_removed_number_is_watched_again(loop, pair2, kind):
    add, remove = _watchers(loop, kind)
    a, b = socket.socketpair()
    fd = a.fileno()
    add(a, print)
    a.close()
    b.close()
    assert remove(a) is True
    c, d = socket.socketpair()
    with c, d:
        assert fd in (c.fileno(), d.fileno())
        reused = c if c.fileno() == fd else d
        peer = d if reused is c else c
        fut = loop.create_future()
        add(reused, lambda: fut.done() or fut.set_result(True))
        peer.send(b"x")
        assert wait_for(loop, fut) is True
        assert remove(reused) is True


@pytest.mark.ours_only  # asyncio raises the EBADF of its epoll modify
def test_closed_socket_with_reader_and_writer(loop):
    a, b = socket.socketpair()
    with b:
        loop.add_reader(a, print)
        loop.add_writer(a, print)
        a.close()
        assert loop.remove_writer(a) is True
        assert loop.remove_reader(a) is True
        with pytest.raises(ValueError):
            loop.remove_reader(a)


def test_closed_socket_while_a_transport_is_open(loop, pair):
    # The transport check reads fileno() as asyncio does: -1 is nobody's.
    from loop_core import FdTransport

    tr = FdTransport(loop, pair[0], asyncio.Protocol())
    a, b = socket.socketpair()
    with b:
        loop.add_reader(a, print)
        a.close()
        assert loop.remove_reader(a) is True
    tr.close()
    loop.run_until_complete(asyncio.sleep(0))


def test_transport_fd_closed_under_it(loop, pair2):
    # The transport's socket closed behind its back: closing the transport
    # still drops its watchers, and the number can be watched again.
    from loop_core import FdTransport

    a, b = socket.socketpair()
    a.setblocking(False)
    fd = a.fileno()
    lost = loop.create_future()

    class Proto(asyncio.Protocol):
        def connection_lost(self, exc):
            lost.set_result(exc)

    tr = FdTransport(loop, a, Proto())
    loop.run_until_complete(asyncio.sleep(0))  # reading started
    a.close()
    b.close()
    tr.close()
    wait_for(loop, lost)
    c, d = socket.socketpair()
    with c, d:
        reused = c if c.fileno() == fd else d
        peer = d if reused is c else c
        fut = loop.create_future()
        loop.add_reader(reused, lambda: fut.done() or fut.set_result(True))
        peer.send(b"x")
        assert wait_for(loop, fut) is True
        assert loop.remove_reader(reused) is True


@pytest.mark.ours_only  # asyncio's selectors keep the stale key: no event
@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_reused_number_after_forgotten_remove(loop, kind):
    add, remove = _watchers(loop, kind)
    a, b = socket.socketpair()
    fd = a.fileno()
    add(a, print)
    a.close()
    b.close()
    c, d = socket.socketpair()
    with c, d:
        reused = c if c.fileno() == fd else d
        peer = d if reused is c else c
        fut = loop.create_future()
        add(reused, lambda: fut.done() or fut.set_result(True))
        peer.send(b"x")
        assert wait_for(loop, fut) is True
        assert remove(reused) is True
        assert remove(reused) is False


def test_bad_objects_on_closed_loop(loop):
    # asyncio reads the fd before it looks at the loop.
    loop.close()
    for method in (loop.add_reader, loop.add_writer):
        with pytest.raises(ValueError):
            method("x", print)
    for method in (loop.remove_reader, loop.remove_writer):
        with pytest.raises(ValueError):
            method("x")
