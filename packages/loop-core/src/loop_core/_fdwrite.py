"""FdWriter: FdTransport's write side, the hot half of its state machine.

Writes go straight to the fd while nothing is queued; what the fd does not
take is queued (bytes objects are kept, mutable buffers copied) and sent
when it is writable, several chunks per system call (writev). Once the
queue is empty a pending close or write_eof() completes. The queue's size
drives ``WriteFlowControl``. FdTransport holds the state (its slots) and
the lifecycle this calls into.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any

from ._errors import logger
from ._flowcontrol import WriteFlowControl
from ._types import BytesLike

__all__ = ["FdWriter"]

_IOV_MAX = min(os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 16, 1024)
# After this many write() calls on a lost connection, say so once.
_WARN_AFTER_LOST_WRITES = 5


def _rest(data: BytesLike, sent: int) -> bytes | memoryview:
    """What is left of ``data`` after ``sent`` bytes, safe to keep queued.

    bytes are immutable, so a view of them will do. Anything else is copied
    (the caller may change it once write() returns), through views released
    at once: on PyPy a view lives until the GC runs, and meanwhile the
    caller's bytearray could not be resized."""
    if type(data) is bytes:
        return memoryview(data)[sent:]
    with memoryview(data) as view, view.cast("B") as flat, flat[sent:] as rest:
        return bytes(rest)


class FdWriter(WriteFlowControl):
    """The write queue of an FdTransport (which subclasses this)."""

    # The queue is this half's own state (see FdTransport for why slots).
    __slots__ = ("_buffer", "_buffer_size", "_lost_writes")

    # asyncio's pipe transports drop what is written after close(); its
    # socket transports still send it while earlier data is queued.
    drop_writes_after_close = False

    _buffer: deque[BytesLike]
    _buffer_size: int
    _lost_writes: int
    # FdTransport's state and lifecycle, used here.
    _closing: bool
    _eof_sent: bool
    _fd: int
    _lost: bool
    _write_hook: Callable[[BytesLike], int]
    _writev_hook: Callable[[list[BytesLike]], int]
    _add_writer: Callable[..., Any]
    _remove_writer: Callable[[int], Any]

    if TYPE_CHECKING:

        def _fatal_error(self, exc: BaseException, message: str) -> None: ...
        def _schedule_connection_lost(self, exc: BaseException | None) -> None: ...
        def fd_shutdown(self) -> None: ...

    def write(self, data: BytesLike) -> None:
        if type(data) is not bytes and not isinstance(data, (bytearray, memoryview)):
            raise TypeError(
                "data argument must be a bytes-like object, "
                f"not {type(data).__name__!r}"
            )
        if self._eof_sent:
            raise RuntimeError("Cannot call write() after write_eof()")
        if not data:
            return
        # After close() the data still queued is sent, and so is what is
        # written meanwhile (asyncio's socket transports do the same) unless
        # the class drops it (its pipe transports); once the connection is
        # lost (or close() found nothing queued) writes are always dropped.
        if self._closing and (self._lost or self.drop_writes_after_close):
            self._lost_writes += 1
            if self._lost_writes == _WARN_AFTER_LOST_WRITES:
                logger.warning("%r: write() on a closed transport; data dropped", self)
            return
        if not self._buffer:
            try:
                sent = self._write_hook(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._fatal_error(exc, "Fatal write error on transport")
                return
            size = data.nbytes if type(data) is memoryview else len(data)
            if sent >= size:
                return
            self._add_writer(self._fd, self._write_ready)
            data = _rest(data, sent)
        elif type(data) is not bytes:
            data = bytes(data)
        self._buffer.append(data)
        self._buffer_size += len(data)
        self._maybe_pause_protocol()

    def writelines(self, list_of_data: Iterable[BytesLike]) -> None:
        self.write(b"".join(list_of_data))

    def _write_ready(self) -> None:
        buffer = self._buffer
        try:
            if len(buffer) == 1:
                sent = self._write_hook(buffer[0])
            else:
                sent = self._writev_hook(list(islice(buffer, _IOV_MAX)))
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal write error on transport")
            return
        self._buffer_size -= sent
        while sent:
            head = buffer[0]
            if sent >= len(head):
                buffer.popleft()
                sent -= len(head)
            else:
                buffer[0] = memoryview(head)[sent:]
                sent = 0
        self._maybe_resume_protocol()
        if not buffer:
            self._remove_writer(self._fd)
            if self._closing:
                self._schedule_connection_lost(None)
            elif self._eof_sent:
                self.fd_shutdown()
