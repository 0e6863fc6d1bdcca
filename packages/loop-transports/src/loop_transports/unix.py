"""create_unix_connection and create_unix_server: Unix-domain stream sockets.

Both are loop-core extension providers, called as
``provider(loop, *args, **kwargs)``, and reuse the TCP pieces: the
connection is a SocketTransport, the listener a ``Server``.

Socket files, as asyncio does it:

- Binding to a path where a socket file is left over from an earlier run
  removes that file first; anything else at the path (a regular file, a
  directory) is refused with ``OSError(EADDRINUSE, "Address ... is already
  in use")``.
- Closing the server removes the socket file it listens on (3.13's
  ``cleanup_socket=True``, the default from 3.13 on as in asyncio; earlier
  Pythons keep the file unless asked), but only if the path still names the
  very file that was there when the server was made: a file someone else
  has since put there is left alone.
- Linux abstract names (a leading NUL byte) are not files: no removal,
  before or after.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import stat
import sys
from collections.abc import Callable
from typing import Any

from ._connected import make_transport
from ._tls_args import check_tls_args, tls_options
from .server import Server

__all__ = ["create_unix_connection", "create_unix_server"]

# asyncio removes the socket file on close from 3.13 on; before, it never
# does, and CPython's own tests for those versions rely on the file staying.
_CLEANUP_BY_DEFAULT = sys.version_info >= (3, 13)

ProtocolFactory = Callable[[], asyncio.BaseProtocol]
_Path = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def _is_unix_stream(sock: socket.socket) -> bool:
    return sock.family == socket.AF_UNIX and sock.type == socket.SOCK_STREAM


def _check_unix_stream(sock: socket.socket) -> None:
    if not _is_unix_stream(sock):
        raise ValueError(f"A UNIX Domain Stream Socket was expected, got {sock!r}")


def _is_file_name(path: object) -> bool:
    """True for a non-empty filesystem path; False for an abstract name
    (leading NUL), the empty autobind name, or anything not a path."""
    if isinstance(path, str):
        return path != "" and path[0] != "\0"
    if isinstance(path, bytes):
        return path != b"" and path[0] != 0
    return False


def _remove_stale_socket(path: str | bytes) -> None:
    """Remove a socket file left at ``path``; leave anything else alone
    (bind then fails on it with EADDRINUSE)."""
    try:
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.remove(path)
    except FileNotFoundError:
        pass
    # Any other error (permissions, a missing directory): bind reports it.
    except OSError:
        pass


def _bind_listener(path: str | bytes) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if _is_file_name(path):
            _remove_stale_socket(path)
        try:
            sock.bind(path)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(
                    errno.EADDRINUSE, f"Address {path!r} is already in use"
                ) from None
            raise
    except BaseException:
        sock.close()
        raise
    return sock


def _file_identity(path: object) -> tuple[str | bytes, int, int] | None:
    """(path, st_dev, st_ino) of the socket file a listener is bound to."""
    if not (isinstance(path, str | bytes) and _is_file_name(path)):
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return path, info.st_dev, info.st_ino


def _cleanup(
    loop: asyncio.AbstractEventLoop, identity: tuple[str | bytes, int, int]
) -> Callable[[], None]:
    path, dev, ino = identity

    def remove_socket_file() -> None:
        try:
            info = os.stat(path)
            if (info.st_dev, info.st_ino) == (dev, ino):
                os.unlink(path)
        except FileNotFoundError:
            pass  # someone removed it already
        except OSError as exc:
            loop.call_exception_handler(
                {
                    "message": f"Unable to clean up listening UNIX socket {path!r}",
                    "exception": exc,
                }
            )

    return remove_socket_file


async def create_unix_connection(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    path: _Path | None = None,
    *,
    ssl: Any = None,
    sock: socket.socket | None = None,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
    """asyncio's ``loop.create_unix_connection()``, plain or TLS."""
    if ssl:
        if server_hostname is None:
            raise ValueError("you have to pass server_hostname when using ssl")
    else:
        if server_hostname is not None:
            raise ValueError("server_hostname is only meaningful with ssl")
        check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)
    if path is not None:
        if sock is not None:
            raise ValueError("path and sock can not be specified at the same time")
    elif sock is None:
        raise ValueError("no path and sock were specified")
    else:
        _check_unix_stream(sock)
    if ssl and sock is None:
        check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)

    if path is not None:
        address = os.fspath(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except BaseException:
            sock.close()
            raise
    else:
        assert sock is not None
        sock.setblocking(False)
    # With a socket of the caller's, the timeouts' values are checked
    # where asyncio checks them: when the transport is made.
    return await make_transport(
        loop,
        sock,
        protocol_factory,
        lambda: tls_options(
            ssl,
            server_hostname=server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout,
            ssl_shutdown_timeout=ssl_shutdown_timeout,
            check_values=path is None,
        ),
        passed=path is None,
    )


async def create_unix_server(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    path: _Path | None = None,
    *,
    sock: socket.socket | None = None,
    backlog: int = 100,
    ssl: Any = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
    start_serving: bool = True,
    cleanup_socket: bool = _CLEANUP_BY_DEFAULT,
) -> Server:
    """asyncio's ``loop.create_unix_server()``, plain or TLS; 3.13's
    ``cleanup_socket`` is accepted on every Python, and defaults to True
    where asyncio's does."""
    if isinstance(ssl, bool):
        raise TypeError("ssl argument must be an SSLContext or None")
    if not ssl:
        check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)
    if path is not None:
        if sock is not None:
            raise ValueError("path and sock can not be specified at the same time")
        address = os.fspath(path)
    elif sock is None:
        raise ValueError("path was not specified, and no sock specified")
    else:
        _check_unix_stream(sock)
    if ssl:
        check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)
    tls = tls_options(
        ssl,
        server_side=True,
        ssl_handshake_timeout=ssl_handshake_timeout,
        ssl_shutdown_timeout=ssl_shutdown_timeout,
    )

    if sock is None:
        sock = _bind_listener(address)
    try:
        sock.setblocking(False)
        identity = _file_identity(sock.getsockname()) if cleanup_socket else None
    except BaseException:
        sock.close()
        raise
    server = Server(
        loop,
        [sock],
        protocol_factory,
        backlog,
        tls=tls,
        on_close=None if identity is None else _cleanup(loop, identity),
    )
    if start_serving:
        try:
            await server.start_serving()
        except BaseException:
            server.close()
            raise
    return server
