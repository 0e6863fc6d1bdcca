"""The sock_* coroutines over loopback sockets."""

import asyncio
import io
import os
import socket
import ssl

import pytest


@pytest.fixture
def socks(loop_factory):
    """Make sockets that are closed after the test (before the fd check)."""
    made = []

    def make(*args, blocking=False):
        s = socket.socket(*args)
        s.setblocking(blocking)
        made.append(s)
        return s

    def pair(blocking=False):
        a, b = socket.socketpair()
        made.extend((a, b))
        a.setblocking(blocking)
        b.setblocking(blocking)
        return a, b

    make.pair = pair
    make.track = made.append
    yield make
    for s in made:
        s.close()


def run(loop, coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 20))


async def recv_exactly(loop, sock, n):
    chunks = []
    while n:
        data = await loop.sock_recv(sock, min(n, 256 * 1024))
        assert data, "early EOF"
        chunks.append(data)
        n -= len(data)
    return b"".join(chunks)


def udp_pair(socks):
    a = socks(socket.AF_INET, socket.SOCK_DGRAM)
    b = socks(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    return a, b


def test_recv_waits_for_data(loop, socks):
    a, b = socks.pair()

    async def main():
        task = asyncio.ensure_future(loop.sock_recv(a, 100))
        await asyncio.sleep(0)
        assert not task.done()
        await loop.sock_sendall(b, b"hello")
        return await task

    assert run(loop, main()) == b"hello"


def test_recv_eof(loop, socks):
    a, b = socks.pair()
    b.shutdown(socket.SHUT_WR)
    assert run(loop, loop.sock_recv(a, 100)) == b""


def test_recv_into(loop, socks):
    a, b = socks.pair()
    buf = bytearray(10)

    async def main():
        task = asyncio.ensure_future(loop.sock_recv_into(a, memoryview(buf)[2:]))
        await asyncio.sleep(0)
        b.send(b"abc")
        return await task

    assert run(loop, main()) == 3
    assert buf[:5] == b"\0\0abc"


def test_recvfrom_and_sendto_udp(loop, socks):
    a, b = udp_pair(socks)

    async def main():
        task = asyncio.ensure_future(loop.sock_recvfrom(a, 100))
        await asyncio.sleep(0)
        assert await loop.sock_sendto(b, b"dgram", a.getsockname()) == 5
        return await task

    assert run(loop, main()) == (b"dgram", b.getsockname())


def test_recvfrom_into_udp(loop, socks):
    a, b = udp_pair(socks)
    buf = bytearray(16)

    async def main():
        task = asyncio.ensure_future(loop.sock_recvfrom_into(a, buf, 4))
        await asyncio.sleep(0)
        await loop.sock_sendto(b, b"123456", a.getsockname())
        return await task

    # nbytes limits the read; the rest of the datagram is discarded.
    assert run(loop, main()) == (4, b.getsockname())
    assert buf[:5] == b"1234\0"


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_sendall_large_with_concurrent_reader(loop, socks, kind):
    a, b = socks.pair()
    payload = os.urandom(4 * 1024 * 1024)

    async def main():
        reader = asyncio.ensure_future(recv_exactly(loop, b, len(payload)))
        assert await loop.sock_sendall(a, kind(payload)) is None
        return await reader

    assert run(loop, main()) == payload


def listener(socks, family=socket.AF_INET, host="127.0.0.1"):
    srv = socks(family, socket.SOCK_STREAM)
    srv.bind((host, 0))
    srv.listen(8)
    return srv


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_connect_and_accept(loop, socks, host):
    srv = listener(socks)
    client = socks(socket.AF_INET, socket.SOCK_STREAM)

    async def main():
        accepted, _ = await asyncio.gather(
            loop.sock_accept(srv),
            loop.sock_connect(client, (host, srv.getsockname()[1])),
        )
        conn, addr = accepted
        socks.track(conn)
        assert conn.gettimeout() == 0  # non-blocking
        assert addr == client.getsockname()
        await loop.sock_sendall(client, b"over tcp")
        return await recv_exactly(loop, conn, 8)

    assert run(loop, main()) == b"over tcp"


def test_connect_ipv6(loop, socks):
    try:
        srv = listener(socks, socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    client = socks(socket.AF_INET6, socket.SOCK_STREAM)

    async def main():
        (conn, _), _ = await asyncio.gather(
            loop.sock_accept(srv), loop.sock_connect(client, srv.getsockname())
        )
        socks.track(conn)
        return conn.getpeername()[:2]

    assert run(loop, main()) == client.getsockname()[:2]


def test_unix_connect_and_accept(loop, socks, tmp_path):
    path = str(tmp_path / "sock")
    srv = socks(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    client = socks(socket.AF_UNIX, socket.SOCK_STREAM)

    async def main():
        (conn, _), _ = await asyncio.gather(
            loop.sock_accept(srv), loop.sock_connect(client, path)
        )
        socks.track(conn)
        await loop.sock_sendall(conn, b"unix")
        return await recv_exactly(loop, client, 4)

    assert run(loop, main()) == b"unix"


def test_connect_refused(loop, socks):
    # Bound but not listening: the port answers with a reset, and nobody
    # else can take it while the test runs.
    closed = socks(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    client = socks(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(ConnectionRefusedError):
        run(loop, loop.sock_connect(client, closed.getsockname()))


def test_cancelled_recv_leaves_no_reader(loop, socks):
    a, b = socks.pair()

    async def main():
        task = asyncio.ensure_future(loop.sock_recv(a, 10))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert loop.remove_reader(a) is False
        # A later recv still works.
        b.send(b"after")
        return await loop.sock_recv(a, 10)

    assert run(loop, main()) == b"after"


def test_cancelled_accept_leaves_no_reader(loop, socks):
    srv = listener(socks)

    async def main():
        task = asyncio.ensure_future(loop.sock_accept(srv))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return loop.remove_reader(srv)

    assert run(loop, main()) is False


def test_cancelled_sendall_leaves_no_writer(loop, socks):
    a, _ = socks.pair()

    async def main():
        # Nobody reads: the send buffer fills and sendall waits.
        task = asyncio.ensure_future(loop.sock_sendall(a, b"x" * (16 << 20)))
        await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return loop.remove_writer(a)

    assert run(loop, main()) is False


def check_blocking_refused(loop, sock):
    calls = [
        lambda: loop.sock_recv(sock, 1),
        lambda: loop.sock_recv_into(sock, bytearray(1)),
        lambda: loop.sock_sendall(sock, b"x"),
        lambda: loop.sock_accept(sock),
        lambda: loop.sock_connect(sock, "nowhere"),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="non-blocking"):
            run(loop, call())


def test_blocking_socket_refused_in_debug(loop, socks):
    loop.set_debug(True)
    check_blocking_refused(loop, socks.pair(blocking=True)[0])


@pytest.mark.ours_only
def test_blocking_socket_refused_always(loop, socks):
    loop.set_debug(False)  # PYTHONASYNCIODEBUG / -X dev turn it on
    check_blocking_refused(loop, socks.pair(blocking=True)[0])


def test_ssl_socket_refused(loop, socks):
    raw = socks(socket.AF_INET, socket.SOCK_STREAM)
    ctx = ssl.create_default_context()
    s = ctx.wrap_socket(raw, server_hostname="x", do_handshake_on_connect=False)
    socks.track(s)
    with pytest.raises(TypeError):
        run(loop, loop.sock_recv(s, 1))


# -- sock_sendfile ---------------------------------------------------------


@pytest.fixture
def data_file(tmp_path):
    data = os.urandom(1024 * 1024 + 17)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        yield f, data


@pytest.mark.parametrize(
    ("offset", "count"), [(0, None), (1000, None), (1000, 500_000), (0, 10)]
)
def test_sendfile_native(loop, socks, data_file, offset, count):
    f, data = data_file
    a, b = socks.pair()
    expected = data[offset : offset + count if count else None]

    async def main():
        reader = asyncio.ensure_future(recv_exactly(loop, b, len(expected)))
        sent = await loop.sock_sendfile(a, f, offset, count, fallback=False)
        return sent, await reader

    assert run(loop, main()) == (len(expected), expected)
    assert f.tell() == offset + len(expected)


def test_sendfile_empty_file(loop, socks, tmp_path):
    a, _ = socks.pair()
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with open(path, "rb") as f:
        assert run(loop, loop.sock_sendfile(a, f)) == 0


@pytest.mark.parametrize(("offset", "count"), [(0, None), (3, 5)])
def test_sendfile_fallback_non_regular_file(loop, socks, offset, count):
    a, b = socks.pair()
    data = b"0123456789" * 1000
    f = io.BytesIO(data)
    expected = data[offset : offset + count if count else None]

    async def main():
        reader = asyncio.ensure_future(recv_exactly(loop, b, len(expected)))
        sent = await loop.sock_sendfile(a, f, offset, count)
        return sent, await reader

    assert run(loop, main()) == (len(expected), expected)
    assert f.tell() == offset + len(expected)


def test_sendfile_no_fallback_raises(loop, socks):
    a, _ = socks.pair()
    with pytest.raises(asyncio.SendfileNotAvailableError):
        run(loop, loop.sock_sendfile(a, io.BytesIO(b"abc"), fallback=False))


def test_sendfile_bad_params(loop, socks, data_file):
    a, _ = socks.pair()
    f, _ = data_file
    bad = [
        ({"count": 0}, ValueError),
        ({"count": -1}, ValueError),
        ({"count": "1"}, TypeError),
        ({"offset": -1}, ValueError),
        ({"offset": 1.5}, TypeError),
    ]
    for kwargs, error in bad:
        with pytest.raises(error):
            run(loop, loop.sock_sendfile(a, f, **kwargs))
    assert f.tell() == 0


def test_sendfile_text_file_and_udp_refused(loop, socks, tmp_path):
    a, _ = socks.pair()
    path = tmp_path / "t.txt"
    path.write_text("text")
    with open(path) as f, pytest.raises(ValueError, match="binary"):
        run(loop, loop.sock_sendfile(a, f))
    u = socks(socket.AF_INET, socket.SOCK_DGRAM)
    with open(path, "rb") as f, pytest.raises(ValueError, match="SOCK_STREAM"):
        run(loop, loop.sock_sendfile(u, f))
