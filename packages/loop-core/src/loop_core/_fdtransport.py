"""FdTransport: the buffered, flow-controlled transport every stream-like
transport (sockets, pipes, third-party fds) is built on.

It uses only the loop's public API (add_reader, call_soon, ...), so it
runs on any asyncio loop, and a plugin can subclass it the way
loop-transports and loop-subprocess do. Subclasses change *how* bytes move
by overriding the ``fd_*`` hooks; the state machine stays here:

- writes go straight to the fd while nothing is queued; what the fd does
  not take is queued (bytes objects are kept, mutable buffers copied) and
  sent when it is writable, several chunks per system call (``FdWriter``,
  ``_fdwrite.py``);
- ``pause_writing()`` once the queue passes the high-water mark,
  ``resume_writing()`` once it drains to the low one (``WriteFlowControl``);
- ``close()`` sends what is queued, then closes; ``abort()`` drops it;
- ``connection_lost()`` is called exactly once, then the fd is closed;
- a transport garbage-collected while open warns with ResourceWarning.
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections import deque
from collections.abc import Callable
from typing import Any

from ._errors import logger
from ._fdhooks import io_hooks, watchers
from ._fdwrite import FdWriter
from ._types import BytesLike

__all__ = ["FdTransport"]

# Reads ask for this much until one fills it, then for max_read_size until
# one falls short. glibc's malloc serves requests of 128 KiB and more with
# mmap() until a large enough free() raises that threshold, so in a fresh
# process every 256 KiB read (the bytes object is allocated at full size,
# then shrunk) costs three more system calls and page faults: about 8 us
# on a 1 KiB message, more than the read itself.
_SMALL_READ = 64 * 1024

# The most one read asks for. On PyPy, reads of more than 128 KiB make a
# bulk transfer slower, not faster: in a 64 KiB-write bulk benchmark 128
# KiB reads did 43k writes/s and 160 or 256 KiB reads 30-32k (asyncio's,
# at 256 KiB, 35k), with six times the page faults (PyPy frees the big
# buffers only at its next minor collection, and glibc gives the memory
# back and faults it in again). On CPython 256 KiB is the faster.
_MAX_READ = 128 * 1024 if sys.implementation.name == "pypy" else 256 * 1024


def _done_unless_cancelled(fut: asyncio.Future[None]) -> None:
    if not fut.cancelled():
        fut.set_result(None)


class FdTransport(FdWriter):
    """A transport over a non-blocking fd (or an object with ``fileno()``)."""

    # Slots, not an instance dict, hold what the hot paths read: asyncio's
    # BaseTransport has slots, which on Python 3.13 leaves a subclass's
    # instance dict unspecialisable, so every attribute read would be a
    # full lookup. __dict__ stays for subclasses and code adding attributes.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_add_reader",
        "_add_writer",
        "_closing",
        "_eof_sent",
        "_fd",
        "_fileobj",
        "_loop",
        "_lost",
        "_protocol",
        "_read_hook",
        "_read_into_hook",
        "_read_max",
        "_read_size",
        "_read_small",
        "_reading",
        "_remove_reader",
        "_remove_writer",
        "_write_hook",
        "_writev_hook",
    )

    max_read_size = _MAX_READ

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        fileobj: Any,
        protocol: asyncio.BaseProtocol,
        extra: dict[str, Any] | None = None,
        *,
        waiter: asyncio.Future[None] | None = None,
        readable: bool = True,
    ) -> None:
        super().__init__(extra)
        self._loop: asyncio.AbstractEventLoop | None = loop
        self._fileobj = fileobj
        self._fd: int = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        self._protocol = protocol
        self._closing = False
        self._reading = readable
        self._eof_sent = False
        self._lost = False
        self._lost_writes = 0
        self._buffer = deque()
        self._buffer_size = 0
        # Looked up once, here: see _fdhooks.
        self._read_max = self.max_read_size
        self._read_small = min(_SMALL_READ, self._read_max)
        self._read_size = self._read_small
        self._read_hook, self._read_into_hook, self._write_hook, self._writev_hook = (
            io_hooks(self, FdTransport)
        )
        self._add_reader, self._remove_reader, self._add_writer, self._remove_writer = (
            watchers(loop, self._fd, self)
        )
        loop.call_soon(protocol.connection_made, self)
        if readable:
            loop.call_soon(self._start_reading)
        if waiter is not None:
            loop.call_soon(_done_unless_cancelled, waiter)

    def __repr__(self) -> str:
        state = (
            "closed"
            if self._fileobj is None
            else ("closing" if self._closing else "open")
        )
        return f"<{type(self).__name__} fd={self._fd} {state}>"

    # -- the hooks subclasses override -----------------------------------
    # Each is looked up when the transport is made (see __init__), so an
    # override must exist by then; it may be a property returning a callable.

    def fd_read(self, size: int) -> bytes:
        """Read up to ``size`` bytes; b"" means end of file."""
        return os.read(self._fd, size)

    def fd_read_into(self, buffer: memoryview) -> int:
        """Read into ``buffer`` (BufferedProtocol); 0 means end of file."""
        return os.readv(self._fd, [buffer])

    def fd_write(self, data: BytesLike) -> int:
        """Write what the fd takes of ``data``; return how much."""
        return os.write(self._fd, data)

    def fd_writev(self, buffers: list[BytesLike]) -> int:
        """Write what the fd takes of several buffers, in one call."""
        return os.writev(self._fd, buffers)

    def fd_shutdown(self) -> None:
        """Half-close: no more writes (override to support write_eof)."""
        raise NotImplementedError

    def fd_close(self) -> None:
        """Release the fd (the file object's close() when there is one)."""
        close = getattr(self._fileobj, "close", None)
        if close is not None:
            close()
        else:
            os.close(self._fd)

    # -- for subclasses -----------------------------------------------------

    def watch_readable(self, callback: Callable[..., object], *args: Any) -> None:
        """Call ``callback(*args)`` when the fd is readable, for a transport
        that does not read it (``readable=False``) but learns something from
        readiness: a pipe's write end is "readable" once its reader is gone.
        On our loop the public add_reader() refuses a transport's fd."""
        self._add_reader(self._fd, callback, *args)

    def unwatch_readable(self) -> bool:
        """Stop what ``watch_readable`` started; False if nothing was."""
        return bool(self._remove_reader(self._fd))

    # -- reading ------------------------------------------------------------

    def _start_reading(self) -> None:
        if self._reading and not self._closing and self._loop is not None:
            buffered = isinstance(self._protocol, asyncio.BufferedProtocol)
            callback = self._read_buffered if buffered else self._read_ready
            self._add_reader(self._fd, callback)

    def _read_ready(self) -> None:
        size = self._read_size
        try:
            data = self._read_hook(size)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal read error on transport")
            return
        if not data:
            self._read_eof()
            return
        # A read that filled its buffer says more is waiting (see _SMALL_READ).
        self._read_size = self._read_max if len(data) == size else self._read_small
        try:
            self._protocol.data_received(data)  # type: ignore[attr-defined]
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal error: protocol.data_received() call failed.")

    def _read_buffered(self) -> None:
        protocol: asyncio.BufferedProtocol = self._protocol  # type: ignore[assignment]
        try:
            buffer: Any = protocol.get_buffer(-1)
            # Read into as it is, as asyncio does: any writable contiguous
            # buffer will do, and the count is in bytes whatever its format.
            if not len(buffer):
                raise RuntimeError("get_buffer() returned an empty buffer")
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal error: protocol.get_buffer() call failed.")
            return
        try:
            nbytes = self._read_into_hook(buffer)
        except (BlockingIOError, InterruptedError):
            return
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal read error on transport")
            return
        if not nbytes:
            self._read_eof()
            return
        try:
            protocol.buffer_updated(nbytes)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(
                exc, "Fatal error: protocol.buffer_updated() call failed."
            )

    def _read_eof(self) -> None:
        self._stop_reading()
        try:
            keep_open = self._protocol.eof_received()  # type: ignore[attr-defined]
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Fatal error: protocol.eof_received() call failed.")
            return
        if not keep_open or not self.can_write_eof():
            self.close()

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            if self._loop is not None:
                self._remove_reader(self._fd)

    def is_reading(self) -> bool:
        return self._reading and not self._closing

    def pause_reading(self) -> None:
        if self.is_reading():
            self._stop_reading()

    def resume_reading(self) -> None:
        if self._closing or self._reading or self._loop is None:
            return
        self._reading = True
        self._start_reading()

    # -- writing ------------------------------------------------------------

    def can_write_eof(self) -> bool:
        return type(self).fd_shutdown is not FdTransport.fd_shutdown

    def write_eof(self) -> None:
        if not self.can_write_eof():
            raise NotImplementedError(f"{type(self).__name__} cannot write EOF")
        if self._closing or self._eof_sent:
            return
        self._eof_sent = True
        if not self._buffer:
            self.fd_shutdown()

    # -- closing ------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        was_reading = self.is_reading()
        if was_reading:
            self._stop_reading()
        self._protocol = protocol
        if was_reading:
            self._reading = True
            self._start_reading()

    def close(self) -> None:
        if self._closing:
            return
        self._stop_reading()
        self._closing = True
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
                self._remove_writer(self._fd)
        if not self._closing:
            self._stop_reading()
            self._closing = True
        self._schedule_connection_lost(exc)

    def _fatal_error(self, exc: BaseException, message: str) -> None:
        # OS-level errors (resets, broken pipes) are the peer's doing, not a
        # bug: they reach connection_lost(), not the exception handler.
        if isinstance(exc, OSError):
            if self._loop is not None and self._loop.get_debug():
                logger.debug("%r: %s", self, message, exc_info=True)
        elif self._loop is not None:
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
            if self._fileobj is not None:
                try:
                    self.fd_close()
                finally:
                    self._fileobj = None
            self._loop = None

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if getattr(self, "_fileobj", None) is not None:
            _warn(f"unclosed transport {self!r}", ResourceWarning, source=self)
            try:
                self.fd_close()
            except OSError:
                pass
            self._fileobj = None
