"""Pipe transports: loop-core's FdTransport over one end of a pipe.

Both are what asyncio's Unix pipe transports are, built on FdTransport's
hooks so the buffering and flow control are loop-core's:

- a read pipe reports EOF with ``eof_received()`` and then always closes
  (``connection_lost(None)``): a pipe has no write half to keep open;
- a write pipe watches its own fd for *read* readiness: the write end of a
  pipe never has data, so the poller reporting it readable means the reader
  went away (POLLERR/POLLHUP). With nothing queued that is a clean
  ``connection_lost(None)``; with data queued the pending write fails with
  EPIPE and the protocol gets ``connection_lost(BrokenPipeError)``;
- ``write_eof()`` on a write pipe is ``close()``: a pipe half-closes by
  closing.
"""

from __future__ import annotations

import asyncio
import os
import stat
from typing import Any, NoReturn

from loop_core import FdTransport

__all__ = ["ReadPipeTransport", "WritePipeTransport"]


def _prepare(
    pipe: Any, extra: dict[str, Any] | None, refusal: str
) -> tuple[int, int, dict[str, Any]]:
    """Refuse what cannot be polled (a regular file is always "ready"), make
    the fd non-blocking; return the fd, its mode and the extra info."""
    fd: int = pipe if isinstance(pipe, int) else pipe.fileno()
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        raise ValueError(refusal)
    os.set_blocking(fd, False)
    info: dict[str, Any] = {"pipe": pipe}
    if extra:
        info.update(extra)
    return fd, mode, info


class ReadPipeTransport(FdTransport):
    """The read end of a pipe, FIFO, socket or character device."""

    __slots__ = ()

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pipe: Any,
        protocol: asyncio.BaseProtocol,
        extra: dict[str, Any] | None = None,
        *,
        waiter: asyncio.Future[None] | None = None,
    ) -> None:
        # asyncio's words, which differ between the two directions.
        _, _, info = _prepare(pipe, extra, "Pipe transport is for pipes/sockets only.")
        super().__init__(loop, pipe, protocol, info, waiter=waiter)

    def write(self, data: Any) -> NoReturn:
        raise NotImplementedError(f"{type(self).__name__} is read-only")

    def writelines(self, list_of_data: Any) -> NoReturn:
        raise NotImplementedError(f"{type(self).__name__} is read-only")


class WritePipeTransport(FdTransport):
    """The write end of a pipe, FIFO, socket or character device."""

    __slots__ = ("_watch_fd", "_watch_loop", "_watching")

    drop_writes_after_close = True  # as asyncio's write pipes

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pipe: Any,
        protocol: asyncio.BaseProtocol,
        extra: dict[str, Any] | None = None,
        *,
        waiter: asyncio.Future[None] | None = None,
    ) -> None:
        fd, mode, info = _prepare(
            pipe,
            extra,
            "Pipe transport is only for pipes, sockets and character devices",
        )
        self._watching = False
        self._watch_loop = loop
        self._watch_fd = fd
        super().__init__(loop, pipe, protocol, info, waiter=waiter, readable=False)
        # A character device (a tty) is readable for its own reasons: only
        # pipes and sockets say "the reader left" that way.
        if not stat.S_ISCHR(mode):
            loop.call_soon(self._watch_reader)

    def _watch_reader(self) -> None:
        if not self.is_closing():
            self.watch_readable(self._reader_gone)
            self._watching = True

    def _reader_gone(self) -> None:
        self._unwatch_reader()
        if self.get_write_buffer_size():
            # The queued write is due now (the fd is in error, so it is
            # "writable") and fails with EPIPE: connection_lost gets the
            # BrokenPipeError from that write.
            return
        self.abort()

    def _unwatch_reader(self) -> None:
        if self._watching:
            self._watching = False
            if not self._watch_loop.is_closed():
                self.unwatch_readable()

    # A write pipe does not read: asyncio's says so (NotImplementedError, as
    # asyncio.ReadTransport's defaults) rather than ignore the request.
    def is_reading(self) -> NoReturn:
        raise NotImplementedError(f"{type(self).__name__} is write-only")

    def pause_reading(self) -> NoReturn:
        raise NotImplementedError(f"{type(self).__name__} is write-only")

    def resume_reading(self) -> NoReturn:
        raise NotImplementedError(f"{type(self).__name__} is write-only")

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # nothing is read, nothing to pause

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.close()

    def fd_close(self) -> None:
        self._unwatch_reader()
        super().fd_close()
