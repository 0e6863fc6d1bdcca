"""loop.sendfile(transport, file, offset=0, count=None, *, fallback=True).

A plain socket transport (TCP or Unix) sends with ``os.sendfile``: the
bytes go from the page cache to the socket without passing through Python.
First the transport's write buffer is drained, reading is paused and
``write()`` raises RuntimeError, so nothing can slip in between the file's
bytes; afterwards everything is as it was. A TLS transport, a file without
a usable descriptor, or an ``os.sendfile`` that refuses the file falls back
(when ``fallback=True``) to reading the file in the executor and writing
it with the transport's own flow control.

While it runs, the transport's protocol is a stand-in that turns the
transport's pause_writing/resume_writing into awaitable state; the real
protocol still gets connection_lost, and at the end it is told whatever it
needs to keep its pause/resume calls paired.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from typing import Any

from loop_core import check_sendfile_args

from ._socket_transport import SocketTransport
from ._waiter import settle

__all__ = ["sendfile"]

# The fallback's read size, asyncio's too.
FALLBACK_BLOCK = 16 * 1024
_MAX_BLOCK = sys.maxsize // 2 + 1  # os.sendfile's count must fit a C ssize_t
# Where the file is left: at offset + bytes sent. Up to 3.13 asyncio moved
# it only when something was sent (and its fallback seeked only to a
# non-zero offset); 3.14 always does, so offset == size leaves it at the end.
_ALWAYS_SEEK = sys.version_info >= (3, 14)


def _declares_support(transport: Any) -> bool:
    """A third-party transport written for asyncio says it can take the
    fallback with asyncio's marker (an enum member named FALLBACK or
    TRY_NATIVE); its name is all we read."""
    mode = getattr(transport, "_sendfile_compatible", None)
    return getattr(mode, "name", None) in ("FALLBACK", "TRY_NATIVE")


def _refuse_write(*args: Any) -> None:
    raise RuntimeError("unable to write; sendfile is in progress")


class _Session(asyncio.Protocol):
    """Stands in for the transport's protocol while a file is sent."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._protocol = transport.get_protocol()
        self._loop = asyncio.get_running_loop()
        self._was_reading = transport.is_reading()
        self._protocol_paused = False  # what the real protocol was last told
        self._paused = False  # the transport's state, as seen from here
        self._waiter: asyncio.Future[None] | None = None
        self._lost = False
        self._writer_fd = -1
        transport.pause_reading()
        transport.set_protocol(self)

    async def start(self) -> None:
        """Wait until the write buffer is empty, learning on the way whether
        the real protocol was paused."""
        transport = self._transport
        low, high = transport.get_write_buffer_limits()
        try:
            if transport.get_write_buffer_size():
                # Limits of zero pause us now unless the transport is paused
                # already, and resume us once the buffer is empty.
                transport.set_write_buffer_limits(high=0, low=0)
                self._protocol_paused = not self._paused
                self._paused = True
                await self.drain()
        finally:
            transport.set_write_buffer_limits(high=high, low=low)

    async def drain(self) -> None:
        if self._lost or self._transport.is_closing():
            raise ConnectionError("Connection closed by peer")
        while self._paused:
            await self._wait()

    async def writable(self, fd: int) -> None:
        """Wait until the socket can take more (native path)."""
        self._writer_fd = fd
        self._loop.add_writer(fd, self._wake, None)
        try:
            await self._wait()
        finally:
            self._stop_watching()

    def _wait(self) -> asyncio.Future[None]:
        if self._lost:
            raise ConnectionError("Connection closed by peer")
        self._waiter = self._loop.create_future()
        return self._waiter

    def _wake(self, exc: BaseException | None) -> None:
        waiter, self._waiter = self._waiter, None
        settle(waiter, exc)

    def _stop_watching(self) -> None:
        fd, self._writer_fd = self._writer_fd, -1
        if fd != -1:
            self._loop.remove_writer(fd)

    def restore(self) -> None:
        transport = self._transport
        transport.set_protocol(self._protocol)
        if self._lost:
            return
        if self._was_reading:
            transport.resume_reading()
        # Keep the real protocol's pause_writing/resume_writing paired.
        if self._protocol_paused and not self._paused:
            self._protocol.resume_writing()
        elif self._paused and not self._protocol_paused:
            self._protocol.pause_writing()

    # -- the protocol the transport sees ------------------------------------

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake(None)

    def data_received(self, data: bytes) -> None:  # reading is paused
        self._protocol.data_received(data)  # type: ignore[attr-defined]

    def eof_received(self) -> bool | None:  # reading is paused
        return self._protocol.eof_received()  # type: ignore[attr-defined, no-any-return]

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        # Before the socket is closed: stop watching its fd.
        self._stop_watching()
        self._wake(exc or ConnectionError("Connection is closed by peer"))
        self._protocol.connection_lost(exc)


async def _native(
    session: _Session, sock_fd: int, file: Any, offset: int, count: int | None
) -> int:
    try:
        fileno = file.fileno()
    except (AttributeError, io.UnsupportedOperation):
        raise asyncio.SendfileNotAvailableError("not a regular file") from None
    try:
        size = os.fstat(fileno).st_size
    except OSError:
        raise asyncio.SendfileNotAvailableError("not a regular file") from None
    block = min(count or size, _MAX_BLOCK)
    if not block:
        return 0
    total = 0
    try:
        while True:
            if count:
                block = min(count - total, _MAX_BLOCK)
                if block <= 0:
                    return total
            try:
                sent = os.sendfile(sock_fd, fileno, offset + total, block)
            except (BlockingIOError, InterruptedError):
                await session.writable(sock_fd)
                continue
            except OSError as exc:
                if total == 0:
                    # Not a file sendfile(2) can read, say: fall back.
                    raise asyncio.SendfileNotAvailableError(
                        "os.sendfile call failed"
                    ) from exc
                if session._lost:
                    raise ConnectionError("Connection closed by peer") from exc
                raise
            if not sent:
                return total  # end of file
            total += sent
            if sent < block:
                await session.writable(sock_fd)  # the socket buffer is full
    finally:
        if total or _ALWAYS_SEEK:
            os.lseek(fileno, offset + total, os.SEEK_SET)


async def _fallback(
    loop: asyncio.AbstractEventLoop,
    session: _Session,
    transport: asyncio.Transport,
    file: Any,
    offset: int,
    count: int | None,
) -> int:
    if offset or (_ALWAYS_SEEK and hasattr(file, "seek")):
        file.seek(offset)
    block = min(count, FALLBACK_BLOCK) if count else FALLBACK_BLOCK
    buffer = memoryview(bytearray(block))
    total = 0
    try:
        while True:
            if count:
                block = min(count - total, block)
                if block <= 0:
                    return total
            view = buffer[:block]
            read = await loop.run_in_executor(None, file.readinto, view)
            if not read:
                return total
            await session.drain()
            transport.write(view[:read])  # transports copy what they keep
            total += read
    finally:
        if total and hasattr(file, "seek"):
            file.seek(offset + total)


async def sendfile(
    loop: asyncio.AbstractEventLoop,
    transport: asyncio.WriteTransport,
    file: Any,
    offset: int = 0,
    count: int | None = None,
    *,
    fallback: bool = True,
) -> int:
    """asyncio's ``loop.sendfile()``: the number of bytes sent."""
    if transport.is_closing():
        raise RuntimeError("Transport is closing")
    tls = transport.get_extra_info("ssl_object") is not None
    native = isinstance(transport, SocketTransport) and not tls
    if not native and not tls and not _declares_support(transport):
        raise RuntimeError(f"sendfile is not supported for transport {transport!r}")
    if not native and not fallback:
        raise RuntimeError(
            "fallback is disabled and native sendfile is not supported "
            f"for transport {transport!r}"
        )
    check_sendfile_args(file, offset, count)
    plain: asyncio.Transport = transport  # type: ignore[assignment]
    session = _Session(plain)
    try:
        if native:
            assert isinstance(transport, SocketTransport)
            # Refused from the start: a write() while the buffer drains
            # would land between the buffered bytes and the file's.
            transport.write = _refuse_write  # type: ignore[method-assign, assignment]
            try:
                await session.start()
                # A duplicate of the socket's fd: the loop keeps the
                # transport's own fd for the transport alone.
                sock_fd = os.dup(transport.get_extra_info("socket").fileno())
                try:
                    return await _native(session, sock_fd, file, offset, count)
                finally:
                    os.close(sock_fd)
            except asyncio.SendfileNotAvailableError:
                if not fallback:
                    raise
            finally:
                del transport.write
        else:
            await session.start()
        return await _fallback(loop, session, plain, file, offset, count)
    finally:
        session.restore()
