"""A plugin adding ``loop.extension("echo")``: bytes sent through an
echoing FdTransport and back, to prove that a third-party distribution can
build transports on loop-core's public names alone."""

from __future__ import annotations

import asyncio
import socket

from loop_core import FdTransport

__all__ = ["echo"]


class _Echo(asyncio.Protocol):
    def __init__(self, lost: asyncio.Future[None]) -> None:
        self.lost = lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set_result(None)


async def echo(loop: asyncio.AbstractEventLoop, data: bytes) -> bytes:
    """What came back after ``data`` went through an echoing FdTransport."""
    near, far = socket.socketpair()
    near.setblocking(False)
    far.setblocking(False)
    lost: asyncio.Future[None] = loop.create_future()
    transport = FdTransport(loop, near, _Echo(lost))
    try:
        await loop.sock_sendall(far, data)
        received = b""
        while len(received) < len(data):
            received += await loop.sock_recv(far, 65536)
        return received
    finally:
        transport.close()
        await lost
        far.close()
