"""create_server and Server: TCP listeners on loop-core.

Each listening socket is watched with ``loop.add_reader``; one readiness
event accepts up to ``backlog`` connections, each becoming a
SocketTransport. When accept() runs out of fds (EMFILE/ENFILE) or
buffers, the listener says so once, stops watching, and tries again after
a delay: it never closes the listening socket and never spins.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
import sys
import warnings
import weakref
from asyncio.trsock import TransportSocket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._net_args import check_port
from ._socket_transport import SocketTransport
from ._tls_args import check_tls_args, tls_options

if TYPE_CHECKING:
    from .tls import TLSOptions

__all__ = ["Server", "create_server"]

ProtocolFactory = Callable[[], asyncio.BaseProtocol]

# accept() errors that mean "out of resources": back off instead of spinning.
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
ACCEPT_RETRY_DELAY = 1.0
# 3.14: a cancelled serve_forever() also closes the connections, so that
# its wait_closed() cannot hang on a client that never hangs up.
_CANCEL_CLOSES_CLIENTS = sys.version_info >= (3, 14)


class Server(asyncio.AbstractServer):
    """What ``create_server`` and ``create_unix_server`` return: asyncio's
    AbstractServer.

    ``tls``: each accepted connection is wrapped (``create_server(ssl=...)``).
    ``on_close``: run once by ``close()``, before the listening sockets are
    closed (``create_unix_server`` removes the socket file it made).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        protocol_factory: ProtocolFactory,
        backlog: int,
        *,
        tls: TLSOptions | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._loop = loop
        self._sockets: list[socket.socket] | None = sockets
        self._protocol_factory = protocol_factory
        self._backlog = backlog
        self._serving = False
        self._active = 0
        self._clients: weakref.WeakSet[SocketTransport] = weakref.WeakSet()
        self._waiters: list[asyncio.Future[None]] | None = []
        self._serve_forever_fut: asyncio.Future[None] | None = None
        self._resource_error_logged = False
        self._retry: asyncio.TimerHandle | None = None
        self._tls = tls
        self._on_close = on_close

    def __repr__(self) -> str:
        return f"<{type(self).__name__} sockets={self.sockets!r}>"

    @property
    def _ssl_context(self) -> ssl.SSLContext | None:
        """asyncio's ``Server._ssl_context``: the ``ssl=`` context, or None.
        Private in asyncio, but read by third-party code (websockets'
        tests pick ws:// or wss:// with ``server.server._ssl_context``)."""
        return None if self._tls is None else self._tls.context

    # -- accepting ----------------------------------------------------------

    def _start_serving(self) -> None:
        if self._serving or self._sockets is None:
            return
        self._serving = True
        for sock in self._sockets:
            sock.listen(self._backlog)
            self._loop.add_reader(sock.fileno(), self._accept_ready, sock)

    def _accept_ready(self, listener: socket.socket) -> None:
        for _ in range(self._backlog):
            try:
                conn, _addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # that one connection went away before accept()
            except OSError as exc:
                if exc.errno not in _RESOURCE_ERRNOS:
                    raise  # the loop reports it, as asyncio's does
                self._back_off(listener, exc)
                return
            self._resource_error_logged = False
            self._attach(conn)

    def _back_off(self, listener: socket.socket, exc: OSError) -> None:
        if not self._resource_error_logged:
            self._resource_error_logged = True
            self._loop.call_exception_handler(
                {
                    "message": "socket.accept() out of system resource",
                    "exception": exc,
                    "socket": listener,
                }
            )
        self._loop.remove_reader(listener.fileno())
        self._retry = self._loop.call_later(
            ACCEPT_RETRY_DELAY, self._resume_accepting, listener
        )

    def _resume_accepting(self, listener: socket.socket) -> None:
        self._retry = None
        if self._serving and self._sockets is not None:
            self._loop.add_reader(listener.fileno(), self._accept_ready, listener)

    def _attach(self, conn: socket.socket) -> None:
        try:
            conn.setblocking(False)
            protocol = self._protocol_factory()
            if self._tls is None:
                transport = SocketTransport(self._loop, conn, protocol)
            else:
                transport = self._tls.wrap_accepted(  # type: ignore[assignment]
                    self._loop, conn, protocol, SocketTransport
                )
        except (SystemExit, KeyboardInterrupt):
            conn.close()
            raise
        except BaseException as exc:
            conn.close()
            self._loop.call_exception_handler(
                {
                    "message": "Error on transport creation for incoming connection",
                    "exception": exc,
                }
            )
            return
        # Accepted connections are plain SocketTransports (one class on the
        # hot path keeps its attribute reads specialised) told to report
        # when their fd is released.
        transport._on_fd_closed = self._detach
        self._active += 1
        self._clients.add(transport)

    def _detach(self) -> None:
        self._active -= 1
        if self._active == 0 and self._sockets is None:
            self._wake_up()

    def _wake_up(self) -> None:
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    # -- asyncio.AbstractServer -------------------------------------------

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    @property
    def sockets(self) -> tuple[TransportSocket, ...]:
        """asyncio's wrappers: the socket's queries and options, not its I/O."""
        if self._sockets is None:
            return ()
        return tuple(TransportSocket(sock) for sock in self._sockets)

    def close(self) -> None:
        sockets, self._sockets = self._sockets, None
        if sockets is None:
            return
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()
        for sock in sockets:
            if self._serving and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._serving = False
        fut, self._serve_forever_fut = self._serve_forever_fut, None
        if fut is not None and not fut.done():
            fut.cancel()
        if self._active == 0:
            self._wake_up()

    def close_clients(self) -> None:
        for transport in list(self._clients):
            transport.close()

    def abort_clients(self) -> None:
        for transport in list(self._clients):
            transport.abort()

    async def start_serving(self) -> None:
        self._start_serving()
        # One loop iteration, so the readers are in place when we return.
        await asyncio.sleep(0)

    async def serve_forever(self) -> None:
        if self._serve_forever_fut is not None:
            raise RuntimeError(
                f"server {self!r} is already being awaited on serve_forever()"
            )
        if self._sockets is None:
            raise RuntimeError(f"server {self!r} is closed")
        self._start_serving()
        fut: asyncio.Future[None] = self._loop.create_future()
        self._serve_forever_fut = fut
        try:
            await fut
        except asyncio.CancelledError:
            try:
                self.close()
                if _CANCEL_CLOSES_CLIENTS:
                    self.close_clients()
                await self.wait_closed()
            finally:
                raise
        finally:
            self._serve_forever_fut = None

    async def wait_closed(self) -> None:
        if self._waiters is None:
            return
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(waiter)
        await waiter

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        await self.wait_closed()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        sockets = getattr(self, "_sockets", None)
        if sockets is not None:
            _warn(f"unclosed {self!r}", ResourceWarning, source=self)
            for sock in sockets:
                sock.close()


def _hosts(host: str | Iterable[str] | None) -> list[str | None]:
    if host is None or host == "":
        return [None]
    if isinstance(host, str) or not isinstance(host, Iterable):
        return [host]
    return list(host)


def _listener(
    info: tuple[Any, ...],
    reuse_address: bool | None,
    reuse_port: bool | None,
    keep_alive: bool | None,
) -> socket.socket:
    family, type_, proto, _, address = info
    sock = socket.socket(family, type_, proto)
    try:
        if reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, True)
        if keep_alive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, True)
        if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
            # Each family gets its own socket: no dual-stack collision.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, True)
        try:
            sock.bind(address)
        except OSError as exc:
            strerror = (exc.strerror or str(exc)).lower()
            raise OSError(
                exc.errno,
                f"error while attempting to bind on address {address!r}: {strerror}",
            ) from None
    except BaseException:
        sock.close()
        raise
    return sock


async def _bind_all(
    loop: asyncio.AbstractEventLoop,
    host: str | Iterable[str] | None,
    port: int | str | None,
    family: int,
    flags: int,
    reuse_address: bool | None,
    reuse_port: bool | None,
    keep_alive: bool | None,
) -> list[socket.socket]:
    """A bound socket for each address of each host: all of them, or none
    (those made before a failure are closed)."""
    if reuse_address is None:
        reuse_address = os.name == "posix" and sys.platform != "cygwin"
    hosts = _hosts(host)
    for h in hosts:
        check_port(h, port, "bind")
    results = await asyncio.gather(
        *(
            loop.getaddrinfo(
                h, port, family=family, type=socket.SOCK_STREAM, flags=flags
            )
            for h in hosts
        )
    )
    infos: list[tuple[Any, ...]] = []
    for found in results:
        for info in found or ():  # a getaddrinfo may say None
            if info not in infos:
                infos.append(info)
    if not infos:
        raise OSError(f"getaddrinfo({host!r}) returned empty list")
    sockets: list[socket.socket] = []
    try:
        for info in infos:
            # Appended one by one, so a failure closes those made so far.
            made = _listener(info, reuse_address, reuse_port, keep_alive)
            sockets.append(made)
    except BaseException:
        for listener in sockets:
            listener.close()
        raise
    return sockets


async def create_server(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    host: str | Iterable[str] | None = None,
    port: int | str | None = None,
    *,
    family: int = socket.AF_UNSPEC,
    flags: int = socket.AI_PASSIVE,
    sock: socket.socket | None = None,
    backlog: int = 100,
    ssl: Any = None,
    reuse_address: bool | None = None,
    reuse_port: bool | None = None,
    keep_alive: bool | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
    start_serving: bool = True,
) -> Server:
    """asyncio's ``loop.create_server()``, plain or TLS."""
    if isinstance(ssl, bool):
        raise TypeError("ssl argument must be an SSLContext or None")
    check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)
    tls = tls_options(
        ssl,
        server_side=True,
        ssl_handshake_timeout=ssl_handshake_timeout,
        ssl_shutdown_timeout=ssl_shutdown_timeout,
    )
    if reuse_port and not hasattr(socket, "SO_REUSEPORT"):
        raise ValueError("reuse_port not supported by socket module")
    if host is not None or port is not None:
        if sock is not None:
            raise ValueError("host/port and sock can not be specified at the same time")
        sockets = await _bind_all(
            loop, host, port, family, flags, reuse_address, reuse_port, keep_alive
        )
    elif sock is None:
        raise ValueError("Neither host/port nor sock were specified")
    elif sock.type != socket.SOCK_STREAM:
        raise ValueError(f"A Stream Socket was expected, got {sock!r}")
    else:
        sockets = [sock]
    for listener in sockets:
        listener.setblocking(False)
    server = Server(loop, sockets, protocol_factory, backlog, tls=tls)
    if start_serving:
        await server.start_serving()
    return server
