"""The sock_* coroutines: socket calls that wait for readiness.

Each one tries the call first (data is often there already), and only when
the socket would block waits for the fd with a one-shot reader or writer.
The wait removes its reader/writer in a ``finally``, so cancellation leaves
nothing registered.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._handles import Handle
from ._sendfile_args import check_sendfile_args

__all__ = ["SockOpsMixin"]

_SENDFILE_FALLBACK_CHUNK = 256 * 1024
# Errors that mean "this socket/file pair cannot use os.sendfile()".
_SENDFILE_UNSUPPORTED = {errno.ENOTSOCK, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP}


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _check_sock(sock: socket.socket) -> None:
    if isinstance(sock, ssl.SSLSocket):
        raise TypeError("Socket cannot be of type SSLSocket")
    # asyncio checks this in debug mode only; a blocking socket would stall
    # the whole loop, so we always refuse it.
    if sock.gettimeout() != 0:
        raise ValueError("the socket must be non-blocking")


class SockOpsMixin:
    _readers: dict[int, Handle]
    _writers: dict[int, Handle]

    # A wait removes only its own reader/writer: when a cancelled sock_recv()
    # unwinds after a newer one took over the fd, the newer one keeps it.

    async def _readable(self, fd: int) -> None:
        fut = self.create_future()
        self._watch_reader(fd, _wake, fut)
        mine = self._readers[fd]
        try:
            await fut
        finally:
            if self._readers.get(fd) is mine:
                self._unwatch_reader(fd)

    async def _writable(self, fd: int) -> None:
        fut = self.create_future()
        self._watch_writer(fd, _wake, fut)
        mine = self._writers[fd]
        try:
            await fut
        finally:
            if self._writers.get(fd) is mine:
                self._unwatch_writer(fd)

    async def sock_recv(self, sock: socket.socket, n: int) -> bytes:
        _check_sock(sock)
        while True:
            try:
                return sock.recv(n)
            except (BlockingIOError, InterruptedError):
                pass
            await self._readable(sock.fileno())

    async def sock_recv_into(self, sock: socket.socket, buf: Any) -> int:
        _check_sock(sock)
        while True:
            try:
                return sock.recv_into(buf)
            except (BlockingIOError, InterruptedError):
                pass
            await self._readable(sock.fileno())

    async def sock_recvfrom(
        self, sock: socket.socket, bufsize: int
    ) -> tuple[bytes, Any]:
        _check_sock(sock)
        while True:
            try:
                return sock.recvfrom(bufsize)
            except (BlockingIOError, InterruptedError):
                pass
            await self._readable(sock.fileno())

    async def sock_recvfrom_into(
        self, sock: socket.socket, buf: Any, nbytes: int = 0
    ) -> tuple[int, Any]:
        _check_sock(sock)
        while True:
            try:
                return sock.recvfrom_into(buf, nbytes)
            except (BlockingIOError, InterruptedError):
                pass
            await self._readable(sock.fileno())

    async def sock_sendall(self, sock: socket.socket, data: Any) -> None:
        _check_sock(sock)
        try:
            sent = sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        if sent == len(data):
            return
        # Released on the way out: on PyPy a view lives until the GC runs,
        # and meanwhile the caller's bytearray could not be resized.
        with memoryview(data) as whole, whole.cast("B") as view:
            total = len(view)
            while sent < total:
                await self._writable(sock.fileno())
                try:
                    with view[sent:] as rest:
                        sent += sock.send(rest)
                except (BlockingIOError, InterruptedError):
                    pass

    async def sock_sendto(self, sock: socket.socket, data: Any, address: Any) -> int:
        _check_sock(sock)
        while True:
            try:
                return sock.sendto(data, address)
            except (BlockingIOError, InterruptedError):
                pass
            await self._writable(sock.fileno())

    async def sock_connect(self, sock: socket.socket, address: Any) -> None:
        _check_sock(sock)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            address = await self._ensure_resolved(
                address, sock.family, sock.type, sock.proto
            )
        try:
            sock.connect(address)
            return
        except (BlockingIOError, InterruptedError):
            pass
        await self._writable(sock.fileno())
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, f"Connect call failed {address}")

    async def sock_accept(self, sock: socket.socket) -> tuple[socket.socket, Any]:
        _check_sock(sock)
        while True:
            try:
                conn, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                await self._readable(sock.fileno())
                continue
            conn.setblocking(False)
            return conn, address

    async def sock_sendfile(
        self,
        sock: socket.socket,
        file: Any,
        offset: int = 0,
        count: int | None = None,
        *,
        fallback: bool | None = True,
    ) -> int:
        _check_sock(sock)
        check_sendfile_args(file, offset, count, sock)
        try:
            return await self._sendfile_native(sock, file, offset, count)
        except asyncio.SendfileNotAvailableError:
            if not fallback:
                raise
        return await self._sendfile_fallback(sock, file, offset, count)

    async def _sendfile_native(
        self, sock: socket.socket, file: Any, offset: int, count: int | None
    ) -> int:
        if not hasattr(os, "sendfile"):
            raise asyncio.SendfileNotAvailableError("os.sendfile() is not available")
        try:
            fileno = file.fileno()
            size = os.fstat(fileno).st_size
        except (AttributeError, io.UnsupportedOperation, OSError):
            raise asyncio.SendfileNotAvailableError("not a regular file")
        want = count if count else size - offset
        if want <= 0:
            return 0
        fd = sock.fileno()
        total = 0
        try:
            while total < want:
                try:
                    sent = os.sendfile(fd, fileno, offset + total, want - total)
                except (BlockingIOError, InterruptedError):
                    await self._writable(fd)
                    continue
                except OSError as exc:
                    if total == 0 and exc.errno in _SENDFILE_UNSUPPORTED:
                        raise asyncio.SendfileNotAvailableError(
                            "os.sendfile() does not support this socket and file"
                        )
                    raise
                if sent == 0:
                    break  # end of file
                total += sent
            return total
        finally:
            if total:
                file.seek(offset + total)

    async def _sendfile_fallback(
        self, sock: socket.socket, file: Any, offset: int, count: int | None
    ) -> int:
        if offset:
            file.seek(offset)
        chunk = (
            min(count, _SENDFILE_FALLBACK_CHUNK) if count else _SENDFILE_FALLBACK_CHUNK
        )
        buf = bytearray(chunk)
        total = 0
        try:
            while True:
                size = min(count - total, chunk) if count else chunk
                if size <= 0:
                    break
                view = memoryview(buf)[:size]
                read = await self.run_in_executor(None, file.readinto, view)
                if not read:
                    break
                await self.sock_sendall(sock, view[:read])
                total += read
            return total
        finally:
            if total and hasattr(file, "seek"):
                file.seek(offset + total)

    if TYPE_CHECKING:  # provided by the loop and the other mixins

        def create_future(self) -> asyncio.Future[Any]: ...
        def _watch_reader(
            self, fd: int, callback: Callable[..., object], *a: Any
        ) -> None: ...
        def _unwatch_reader(self, fd: int) -> bool: ...
        def _watch_writer(
            self, fd: int, callback: Callable[..., object], *a: Any
        ) -> None: ...
        def _unwatch_writer(self, fd: int) -> bool: ...
        def run_in_executor(
            self, executor: Any, func: Callable[..., Any], *args: Any
        ) -> asyncio.Future[Any]: ...
        async def _ensure_resolved(
            self, address: Any, family: int, type: int, proto: int
        ) -> Any: ...
