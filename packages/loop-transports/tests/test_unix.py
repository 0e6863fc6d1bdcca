"""create_unix_connection and create_unix_server (Unix-domain stream sockets)."""

import asyncio
import errno
import os
import pathlib
import shutil
import socket
import ssl
import sys
import tempfile
import uuid

import pytest
from loop_core import extensions
from loop_transports import unix

pytestmark = [
    pytest.mark.timeout(30),
    pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX"),
]

PROVIDERS = {
    "create_unix_connection": unix.create_unix_connection,
    "create_unix_server": unix.create_unix_server,
}


@pytest.fixture(autouse=True)
def providers():
    """Our loop reaches unix.py through register() (asyncio's loop has its
    own methods), whether or not the entry points are installed."""
    for name, func in PROVIDERS.items():
        extensions.register(name, func)
    yield
    for name in PROVIDERS:
        extensions.unregister(name)


@pytest.fixture
def sock_dir():
    # Short on purpose: an AF_UNIX path is at most 107 bytes.
    path = tempfile.mkdtemp(prefix="lt-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _is_asyncio(loop):
    return type(loop).__module__.startswith("asyncio")


def _cleans_up(loop):
    """asyncio removes the socket file on close from 3.13 on, and so do we."""
    return sys.version_info >= (3, 13)


async def _echo_through(loop, protocols, path, payload=b"ping"):
    transport, client = await loop.create_unix_connection(protocols.Collect, path)
    transport.write(payload)
    assert await client.wait_for(len(payload)) == payload
    transport.close()
    await client.lost
    return transport


def _bind_stale(path):
    """Leave a socket file at ``path`` with nobody listening."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(path)
        sock.listen(1)


def test_echo_and_close(loop, run, protocols, sock_dir):
    path = os.path.join(sock_dir, "s")

    async def main():
        server = await loop.create_unix_server(protocols.Echo, path)
        assert isinstance(server, asyncio.AbstractServer)
        assert server.is_serving()
        (listener,) = server.sockets
        assert listener.family == socket.AF_UNIX
        assert listener.getsockname() == path
        await _echo_through(loop, protocols, path, b"x" * 100_000)
        server.close()
        await server.wait_closed()
        assert not server.sockets
        await asyncio.sleep(0.01)

    run(main())
    assert os.path.exists(path) is not _cleans_up(loop)


def test_write_eof(loop, run, protocols, sock_dir):
    path = os.path.join(sock_dir, "s")

    async def main():
        async with await loop.create_unix_server(protocols.Echo, path):
            transport, client = await loop.create_unix_connection(
                protocols.Collect, path
            )
            assert transport.can_write_eof()
            transport.write(b"last words")
            transport.write_eof()
            assert await client.eof == b"last words"
            assert await client.lost is None
        await asyncio.sleep(0.01)

    run(main())


def test_extra_info(loop, run, sock_dir):
    path = os.path.join(sock_dir, "s")

    async def main():
        accepted = loop.create_future()

        class Server(asyncio.Protocol):
            def connection_made(self, transport):
                accepted.set_result(transport)

        async with await loop.create_unix_server(Server, path):
            transport, _ = await loop.create_unix_connection(asyncio.Protocol, path)
            theirs = await accepted
            assert transport.get_extra_info("peername") == path
            assert transport.get_extra_info("sockname") == ""
            assert theirs.get_extra_info("sockname") == path
            assert theirs.get_extra_info("peername") == ""
            for tr in (transport, theirs):
                sock = tr.get_extra_info("socket")
                assert sock.family == socket.AF_UNIX
                assert sock.type == socket.SOCK_STREAM
            transport.close()
            theirs.close()
        await asyncio.sleep(0.01)

    run(main())


@pytest.mark.parametrize("kind", ["pathlike", "bytes"])
def test_path_types(loop, run, protocols, sock_dir, kind):
    path = os.path.join(sock_dir, "s")
    arg = pathlib.Path(path) if kind == "pathlike" else os.fsencode(path)

    async def main():
        server = await loop.create_unix_server(protocols.Echo, arg)
        assert server.sockets[0].getsockname() == path
        await _echo_through(loop, protocols, arg)
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())
    assert os.path.exists(path) is not _cleans_up(loop)


def test_stale_socket_file_replaced(loop, run, protocols, sock_dir):
    path = os.path.join(sock_dir, "s")
    _bind_stale(path)
    assert os.path.exists(path)

    async def main():
        async with await loop.create_unix_server(protocols.Echo, path):
            await _echo_through(loop, protocols, path)
        await asyncio.sleep(0.01)

    run(main())


def test_live_socket_file_replaced_and_left_to_its_owner(
    loop, run, protocols, sock_dir
):
    path = os.path.join(sock_dir, "s")

    async def main():
        first = await loop.create_unix_server(protocols.Echo, path)
        second = await loop.create_unix_server(protocols.Echo, path)
        first.close()
        await first.wait_closed()
        assert os.path.exists(path)  # the file is second's now
        await _echo_through(loop, protocols, path)
        second.close()
        await second.wait_closed()
        await asyncio.sleep(0.01)

    run(main())
    assert os.path.exists(path) is not _cleans_up(loop)


@pytest.mark.parametrize("what", ["file", "directory"])
def test_non_socket_at_path_refused(loop, run, protocols, sock_dir, what):
    path = os.path.join(sock_dir, "s")
    if what == "file":
        with open(path, "wb") as f:
            f.write(b"keep me")
    else:
        os.mkdir(path)

    async def main():
        with pytest.raises(OSError, match=r"Address .* is already in use") as info:
            await loop.create_unix_server(protocols.Echo, path)
        assert info.value.errno == errno.EADDRINUSE

    run(main())
    if what == "file":
        with open(path, "rb") as f:
            assert f.read() == b"keep me"
    else:
        assert os.path.isdir(path)


def test_missing_directory_and_too_long(loop, run, protocols, sock_dir):
    async def main():
        with pytest.raises(FileNotFoundError):
            await loop.create_unix_server(
                protocols.Echo, os.path.join(sock_dir, "no", "s")
            )
        with pytest.raises(OSError):
            await loop.create_unix_server(protocols.Echo, "/tmp/" + "a" * 200)

    run(main())


def test_connect_errors(loop, run, protocols, sock_dir):
    missing = os.path.join(sock_dir, "missing")
    regular = os.path.join(sock_dir, "file")
    open(regular, "wb").close()

    async def main():
        with pytest.raises(FileNotFoundError):
            await loop.create_unix_connection(protocols.Collect, missing)
        with pytest.raises(FileNotFoundError):
            await loop.create_unix_connection(protocols.Collect, pathlib.Path(missing))
        with pytest.raises(ConnectionRefusedError):
            await loop.create_unix_connection(protocols.Collect, regular)
        stale = os.path.join(sock_dir, "stale")
        _bind_stale(stale)
        with pytest.raises(ConnectionRefusedError):
            await loop.create_unix_connection(protocols.Collect, stale)

    run(main())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_abstract_name(loop, run, protocols):
    name = f"\0loop-transports-{uuid.uuid4().hex}"

    async def main():
        server = await loop.create_unix_server(protocols.Echo, name)
        assert server.sockets[0].getsockname() == name.encode()
        transport = await _echo_through(loop, protocols, name)
        assert transport.get_extra_info("peername") == name.encode()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


# -- cleanup_socket (3.13's default) -------------------------------------


def _needs_cleanup_socket(loop):
    if not _cleans_up(loop):
        pytest.skip("asyncio removes the socket file from 3.13 on")


def test_cleanup_socket_false_keeps_file(loop, run, protocols, sock_dir):
    _needs_cleanup_socket(loop)
    path = os.path.join(sock_dir, "s")

    async def main():
        server = await loop.create_unix_server(
            protocols.Echo, path, cleanup_socket=False
        )
        server.close()
        await server.wait_closed()

    run(main())
    assert os.path.exists(path)


def test_cleanup_with_sock_argument(loop, run, protocols, sock_dir):
    _needs_cleanup_socket(loop)
    path = os.path.join(sock_dir, "s")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)

    async def main():
        server = await loop.create_unix_server(protocols.Echo, sock=sock)
        server.close()
        await server.wait_closed()

    run(main())
    assert sock.fileno() == -1
    assert not os.path.exists(path)


def test_cleanup_when_file_already_gone(loop, run, protocols, sock_dir):
    _needs_cleanup_socket(loop)
    path = os.path.join(sock_dir, "s")

    async def main():
        server = await loop.create_unix_server(protocols.Echo, path)
        os.unlink(path)
        server.close()
        await server.wait_closed()

    run(main())
    assert not os.path.exists(path)


def test_cleanup_leaves_replaced_file(loop, run, protocols, sock_dir):
    _needs_cleanup_socket(loop)
    path = os.path.join(sock_dir, "s")

    async def main():
        server = await loop.create_unix_server(protocols.Echo, path)
        os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
            other.bind(path)
            server.close()
            await server.wait_closed()
            assert os.path.exists(path)

    run(main())


# -- sock= ----------------------------------------------------------------


@pytest.mark.parametrize("nonblock", [False, True])
def test_server_sock_argument(loop, run, protocols, sock_dir, nonblock):
    if nonblock and not hasattr(socket, "SOCK_NONBLOCK"):
        pytest.skip("no SOCK_NONBLOCK")
    path = os.path.join(sock_dir, "s")
    kind = socket.SOCK_STREAM | (socket.SOCK_NONBLOCK if nonblock else 0)
    sock = socket.socket(socket.AF_UNIX, kind)
    sock.bind(path)

    async def main():
        server = await loop.create_unix_server(
            protocols.Echo, sock=sock, start_serving=False
        )
        assert not server.is_serving()
        await server.start_serving()
        assert server.is_serving()
        await _echo_through(loop, protocols, path)
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())
    assert sock.fileno() == -1


def test_connection_sock_argument(loop, run, protocols, sock_dir):
    path = os.path.join(sock_dir, "s")

    async def main():
        async with await loop.create_unix_server(protocols.Echo, path):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            await loop.sock_connect(sock, path)
            transport, client = await loop.create_unix_connection(
                protocols.Collect, sock=sock
            )
            assert transport.get_extra_info("peername") == path
            transport.write(b"via sock")
            assert await client.wait_for(8) == b"via sock"
            transport.close()
            await client.lost
            assert sock.fileno() == -1
        await asyncio.sleep(0.01)

    run(main())


def test_connection_socketpair(loop, run, protocols):
    async def main():
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with theirs:
            transport, client = await loop.create_unix_connection(
                protocols.Collect, sock=mine
            )
            theirs.sendall(b"pair")
            assert await client.wait_for(4) == b"pair"
            transport.close()
            await client.lost

    run(main())


# -- bad arguments --------------------------------------------------------


def _wrong_socks():
    return [
        socket.socket(socket.AF_INET, socket.SOCK_STREAM),
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
    ]


def test_wrong_socket_kinds(loop, run, protocols):
    async def main():
        for sock in _wrong_socks():
            with sock:
                with pytest.raises(
                    ValueError, match="A UNIX Domain Stream Socket was expected"
                ):
                    await loop.create_unix_server(protocols.Echo, sock=sock)
                with pytest.raises(
                    ValueError, match="A UNIX Domain Stream Socket was expected"
                ):
                    await loop.create_unix_connection(protocols.Collect, sock=sock)
                assert sock.fileno() != -1

    run(main())


@pytest.mark.parametrize(
    ("method", "kwargs", "exc", "message"),
    [
        ("server", {}, ValueError, "path was not specified, and no sock specified"),
        ("server", {"path": "x", "sock": "S"}, ValueError, "path and sock can not be"),
        ("server", {"path": "x", "ssl": True}, TypeError, "ssl argument must be an"),
        (
            "server",
            {"path": "x", "ssl_handshake_timeout": 1},
            ValueError,
            "ssl_handshake_timeout is only meaningful with ssl",
        ),
        (
            "server",
            {"ssl_shutdown_timeout": 1},
            ValueError,
            "ssl_shutdown_timeout is only meaningful with ssl",
        ),
        ("conn", {}, ValueError, "no path and sock were specified"),
        ("conn", {"path": "x", "sock": "S"}, ValueError, "path and sock can not be"),
        (
            "conn",
            {"path": "x", "server_hostname": "h"},
            ValueError,
            "server_hostname is only meaningful with ssl",
        ),
        (
            "conn",
            {"path": "x", "ssl": True},
            ValueError,
            "you have to pass server_hostname when using ssl",
        ),
        (
            "conn",
            {"ssl_handshake_timeout": 1},
            ValueError,
            "ssl_handshake_timeout is only meaningful with ssl",
        ),
        ("server", {"path": 5}, TypeError, "expected str, bytes or os.PathLike"),
        ("conn", {"path": 5}, TypeError, "expected str, bytes or os.PathLike"),
    ],
)
def test_bad_arguments(loop, run, protocols, method, kwargs, exc, message):
    async def main():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            args = {k: sock if v == "S" else v for k, v in kwargs.items()}
            if method == "server":
                coro = loop.create_unix_server(protocols.Echo, **args)
            else:
                coro = loop.create_unix_connection(protocols.Collect, **args)
            with pytest.raises(exc, match=message):
                await coro

    run(main())


def test_tls_argument_errors_first(loop, run, protocols, sock_dir):
    path = os.path.join(sock_dir, "s")
    context = ssl.create_default_context()

    async def main():
        # Argument errors come before any TLS work, as in asyncio.
        with pytest.raises(ValueError, match="no path and sock"):
            await loop.create_unix_connection(
                protocols.Collect, ssl=context, server_hostname="h"
            )

    run(main())
    assert not os.path.exists(path)


@pytest.mark.ours_only
def test_cleanup_error_reported(loop, run, protocols, sock_dir, loop_errors):
    """A socket file that can't be removed is reported; the server still
    closes."""
    path = os.path.join(sock_dir, "s")

    def refuse(name, *args, **kwargs):
        raise PermissionError(errno.EACCES, "no", name)

    async def main():
        server = await loop.create_unix_server(
            protocols.Echo, path, cleanup_socket=True
        )
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "unlink", refuse)
            server.close()
        await server.wait_closed()
        assert not server.sockets
        assert not server.is_serving()

    run(main())
    assert os.path.exists(path)
    (context,) = loop_errors
    assert "Unable to clean up listening UNIX socket" in context["message"]
    assert isinstance(context["exception"], PermissionError)
    loop_errors.clear()


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="3.13 removes it")
def test_socket_file_kept_on_close_before_313(loop, run, protocols, sock_dir):
    """Before 3.13 asyncio leaves the socket file in place, and code (CPython's
    own tests included) unlinks it afterwards: so do we."""
    path = os.path.join(sock_dir, "s")

    async def main():
        server = await loop.create_unix_server(protocols.Echo, path)
        server.close()
        await server.wait_closed()

    run(main())
    assert os.path.exists(path)
