"""SocketTransport: loop-core's FdTransport over a stream socket."""

from __future__ import annotations

import asyncio
import socket
from asyncio.trsock import TransportSocket
from collections.abc import Callable
from typing import Any

from loop_core import BytesLike, FdTransport

__all__ = ["SocketTransport"]


def _set_nodelay(sock: socket.socket) -> None:
    if (
        sock.family in (socket.AF_INET, socket.AF_INET6)
        and sock.type == socket.SOCK_STREAM
        and sock.proto in (0, socket.IPPROTO_TCP)
    ):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class SocketTransport(FdTransport):
    """A stream transport over a connected non-blocking socket."""

    __slots__ = ("_on_fd_closed", "_sock")

    # loop.start_tls() may take it over (asyncio's duck-typed marker).
    _start_tls_compatible = True

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol: asyncio.BaseProtocol,
        extra: dict[str, Any] | None = None,
        *,
        waiter: asyncio.Future[None] | None = None,
    ) -> None:
        info: dict[str, Any] = {"socket": TransportSocket(sock)}
        try:
            info["sockname"] = sock.getsockname()
        except OSError:
            info["sockname"] = None
        try:
            info["peername"] = sock.getpeername()
        except OSError:
            info["peername"] = None
        if extra:
            info.update(extra)
        _set_nodelay(sock)
        self._sock = sock
        # Called once the socket is closed (a Server counts its
        # connections so).
        self._on_fd_closed: Callable[[], object] | None = None
        super().__init__(loop, sock, protocol, info, waiter=waiter)

    # The I/O hooks are the socket's own methods, not functions calling
    # them: FdTransport looks each hook up once, so a read or a write runs
    # no Python frame. A subclass may still override them with methods.

    @property
    def fd_read(self) -> Callable[[int], bytes]:
        return self._sock.recv

    @property
    def fd_read_into(self) -> Callable[[memoryview], int]:
        return self._sock.recv_into

    @property
    def fd_write(self) -> Callable[[BytesLike], int]:
        return self._sock.send

    @property
    def fd_writev(self) -> Callable[[list[BytesLike]], int]:
        return self._sock.sendmsg

    def fd_shutdown(self) -> None:
        self._sock.shutdown(socket.SHUT_WR)

    def fd_close(self) -> None:
        try:
            self._sock.close()
        finally:
            callback, self._on_fd_closed = self._on_fd_closed, None
            if callback is not None:
                callback()
