"""SocketTransport: loop-core's FdTransport over a stream socket."""

from __future__ import annotations

import asyncio
import socket
from asyncio.trsock import TransportSocket
from typing import Any

from loop_core import FdTransport

__all__ = ["SocketTransport"]

_BytesLike = bytes | bytearray | memoryview


def _set_nodelay(sock: socket.socket) -> None:
    if (
        sock.family in (socket.AF_INET, socket.AF_INET6)
        and sock.type == socket.SOCK_STREAM
        and sock.proto in (0, socket.IPPROTO_TCP)
    ):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class SocketTransport(FdTransport):
    """A stream transport over a connected non-blocking socket."""

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
        # The per-read and per-write hooks become the socket's own methods:
        # no Python frame per system call (a subclass's overrides stay).
        cls = type(self)
        if cls.fd_read is SocketTransport.fd_read:
            self.fd_read = sock.recv  # type: ignore[method-assign, assignment]
        if cls.fd_read_into is SocketTransport.fd_read_into:
            self.fd_read_into = sock.recv_into  # type: ignore[method-assign]
        if cls.fd_write is SocketTransport.fd_write:
            self.fd_write = sock.send  # type: ignore[method-assign, assignment]
        if cls.fd_writev is SocketTransport.fd_writev:
            self.fd_writev = sock.sendmsg  # type: ignore[method-assign, assignment]
        super().__init__(loop, sock, protocol, info, waiter=waiter)

    def fd_read(self, size: int) -> bytes:
        return self._sock.recv(size)

    def fd_read_into(self, buffer: memoryview) -> int:
        return self._sock.recv_into(buffer)

    def fd_write(self, data: _BytesLike) -> int:
        return self._sock.send(data)

    def fd_writev(self, buffers: list[_BytesLike]) -> int:
        return self._sock.sendmsg(buffers)

    def fd_shutdown(self) -> None:
        self._sock.shutdown(socket.SHUT_WR)

    def fd_close(self) -> None:
        self._sock.close()
