"""DatagramTransport: asyncio's datagram transport over a non-blocking socket.

Datagrams keep their boundaries, so this is not an ``FdTransport`` (whose
queue is a byte stream): each queued item is one ``(data, address)`` pair.

- every readable event reads one datagram and hands it to
  ``protocol.datagram_received(data, addr)``; an ``OSError`` from the read
  (an ICMP error reported on a connected socket, say) goes to
  ``protocol.error_received(exc)`` and the transport stays open;
- ``sendto()`` sends at once while nothing is queued; a datagram the socket
  cannot take now is queued and sent when it is writable, with
  ``pause_writing()`` / ``resume_writing()`` at the water marks; an
  ``OSError`` from a send goes to ``error_received()``;
- ``close()`` sends what is queued, then calls ``connection_lost(None)``;
  ``abort()`` drops the queue; ``connection_lost()`` is called exactly once,
  then the socket is closed;
- a transport garbage-collected while open warns with ResourceWarning.
"""

from __future__ import annotations

import asyncio
import socket
import warnings
from asyncio.trsock import TransportSocket
from collections import deque
from collections.abc import Callable
from typing import Any

from loop_core import BytesLike, WriteFlowControl, scratch_buffer

__all__ = ["DatagramTransport"]

# What one queued datagram costs beyond its payload, so that empty
# datagrams count towards the high-water mark too.
_HEADER_SIZE = 8
# After this many sendto() calls on a closed transport, say so once.
_WARN_AFTER_LOST_WRITES = 5


def _done_unless_cancelled(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled():
        fut.set_result(None)


def _query(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except OSError:
        return None


class DatagramTransport(asyncio.DatagramTransport, WriteFlowControl):
    """A datagram transport over a bound (and maybe connected) socket.

    Also an ``asyncio.Transport`` (through ``WriteFlowControl``), as
    asyncio's own datagram transport is (CPython's tests check it): the
    stream-only methods stay unimplemented.
    """

    # Slots: see loop_core.FdTransport (asyncio's BaseTransport has them).
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_address",
        "_buffer",
        "_buffer_size",
        "_closing",
        "_connected",
        "_fd",
        "_loop",
        "_lost",
        "_lost_writes",
        "_protocol",
        "_read_max",
        "_scratch",
        "_sock",
    )

    _protocol: asyncio.DatagramProtocol
    max_size = 256 * 1024

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol: asyncio.DatagramProtocol,
        address: Any = None,
        extra: dict[str, Any] | None = None,
        *,
        waiter: asyncio.Future[None] | None = None,
    ) -> None:
        info: dict[str, Any] = {
            "socket": TransportSocket(sock),
            "sockname": _query(sock.getsockname),
            "peername": _query(sock.getpeername),
        }
        if extra:
            info.update(extra)
        super().__init__(info)
        self._loop: asyncio.AbstractEventLoop | None = loop
        self._sock: socket.socket | None = sock
        self._fd = sock.fileno()
        self._protocol = protocol
        # The one address sendto() accepts, when the endpoint has a remote.
        self._address = address
        self._connected = info["peername"] is not None
        self._closing = False
        self._lost = False
        self._lost_writes = 0
        self._buffer: deque[tuple[bytes, Any]] = deque()
        self._buffer_size = 0
        # Datagrams are read into the loop's shared buffer and copied out:
        # a fresh max_size bytes object per datagram may cost an mmap()
        # (see loop_core.scratch_buffer), and a shorter read would truncate
        # the datagram.
        self._read_max = self.max_size
        self._scratch = scratch_buffer(loop, self._read_max)
        loop.call_soon(protocol.connection_made, self)
        loop.call_soon(self._start_reading)
        if waiter is not None:
            loop.call_soon(_done_unless_cancelled, waiter)

    def __repr__(self) -> str:
        state = "closed" if self._sock is None else "closing" if self._closing else ""
        parts = [type(self).__name__, f"fd={self._fd}"]
        if state:
            parts.append(state)
        if self._buffer_size:
            parts.append(f"bufsize={self._buffer_size}")
        return "<{}>".format(" ".join(parts))

    # -- reading --------------------------------------------------------------

    def _start_reading(self) -> None:
        if not self._closing and self._loop is not None:
            self._loop.add_reader(self._fd, self._read_ready)

    def _read_ready(self) -> None:
        if self._lost:
            return
        try:
            nbytes, addr = self._sock.recvfrom_into(  # type: ignore[union-attr]
                self._scratch, self._read_max
            )
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._protocol.error_received(exc)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal read error on datagram transport")
        else:
            self._protocol.datagram_received(bytes(self._scratch[:nbytes]), addr)

    # -- writing --------------------------------------------------------------

    def sendto(self, data: BytesLike, addr: Any = None) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(
                "data argument must be a bytes-like object, "
                f"not {type(data).__name__!r}"
            )
        if self._address:
            if addr is not None and addr != self._address:
                raise ValueError(f"Invalid address: must be None or {self._address}")
            addr = self._address
        if self._lost:
            self._lost_writes += 1
            if self._lost_writes == _WARN_AFTER_LOST_WRITES:
                warnings.warn(
                    f"sendto() on a closed {self!r}: datagrams are dropped",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return
        if not self._buffer:
            try:
                self._send(data, addr)
                return
            except (BlockingIOError, InterruptedError):
                self._loop.add_writer(self._fd, self._write_ready)  # type: ignore[union-attr]
            except OSError as exc:
                self._protocol.error_received(exc)
                return
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._fatal_error(exc, "Fatal write error on datagram transport")
                return
        self._buffer.append((bytes(data), addr))
        self._buffer_size += len(data) + _HEADER_SIZE
        self._maybe_pause_protocol()

    def _send(self, data: BytesLike, addr: Any) -> None:
        sock = self._sock
        assert sock is not None
        if self._connected:
            sock.send(data)
        else:
            sock.sendto(data, addr)

    def _write_ready(self) -> None:
        buffer = self._buffer
        while buffer:
            data, addr = buffer[0]
            try:
                self._send(data, addr)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._dequeue()
                self._protocol.error_received(exc)
                return
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._fatal_error(exc, "Fatal write error on datagram transport")
                return
            self._dequeue()
        self._maybe_resume_protocol()
        if not buffer and self._loop is not None and not self._lost:
            self._loop.remove_writer(self._fd)
            if self._closing:
                self._schedule_connection_lost(None)

    def _dequeue(self) -> None:
        data, _ = self._buffer.popleft()
        self._buffer_size -= len(data) + _HEADER_SIZE

    # -- closing --------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # type: ignore[assignment]

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        if not self._buffer:
            self._schedule_connection_lost(None)

    def abort(self) -> None:
        self._force_close(None)

    def _force_close(self, exc: BaseException | None) -> None:
        if self._lost:
            return
        if self._buffer:
            self._buffer.clear()
            self._buffer_size = 0
            if self._loop is not None:
                self._loop.remove_writer(self._fd)
        if not self._closing:
            self._closing = True
            if self._loop is not None:
                self._loop.remove_reader(self._fd)
        self._schedule_connection_lost(exc)

    def _fatal_error(self, exc: BaseException, message: str) -> None:
        if self._loop is not None and not isinstance(exc, OSError):
            self._loop.call_exception_handler(
                {
                    "message": message,
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )
        self._force_close(exc)

    def _schedule_connection_lost(self, exc: BaseException | None) -> None:
        if self._lost:
            return
        self._lost = True
        self._loop.call_soon(self._call_connection_lost, exc)  # type: ignore[union-attr]

    def _call_connection_lost(self, exc: BaseException | None) -> None:
        try:
            self._protocol.connection_lost(exc)  # type: ignore[arg-type]
        finally:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            self._loop = None

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:
            _warn(f"unclosed transport {self!r}", ResourceWarning, source=self)
            sock.close()
            self._sock = None
