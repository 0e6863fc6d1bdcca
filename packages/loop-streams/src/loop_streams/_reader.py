"""StreamReader: asyncio's buffered reader, with its limits and errors.

The buffer is one ``bytearray``: CPython deletes from its front without
moving the rest, so consuming a message costs one copy (into the bytes
returned). Every read first looks at what is already buffered and returns
without creating a waiter future when that is enough; a future is made only
when the coroutine really has to wait for the transport.

Flow control: ``_feed`` pauses the transport once more than ``2 * limit``
bytes are buffered; the reads resume it (``_resume_transport``) once the
buffer is back under ``limit`` or when a read has to wait for more, so a
stalled consumer holds at most ``2 * limit`` plus one transport read.

The reader alone touches its buffer, waiter and pause state: bytes come in
through ``_feed`` only, whether from ``feed_data`` or from
``StreamReaderProtocol.buffer_updated``.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from asyncio import events
from asyncio.exceptions import IncompleteReadError, LimitOverrunError
from typing import Any

from loop_core import BytesLike

from ._bufferops import find, prefix

__all__ = ["DEFAULT_LIMIT", "StreamReader"]

DEFAULT_LIMIT = 2**16  # 64 KiB, asyncio's default


def _earliest_end(
    buffer: bytearray, separators: list[Any], offset: int
) -> tuple[int, int]:
    """Where the separator that ends first starts and ends, from ``offset``
    on; (-1, -1) when none is there. Shortest first: at equal ends the
    shortest wins."""
    start = end = -1
    for sep in separators:
        found = find(buffer, sep, offset)
        if found >= 0 and (end < 0 or found + len(sep) < end):
            start, end = found, found + len(sep)
    return start, end


class StreamReader:
    """Bytes from a transport, read as lines, separated chunks or sizes."""

    _source_traceback: traceback.StackSummary | None = None

    def __init__(
        self, limit: int = DEFAULT_LIMIT, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        # The limit bounds a line (a security feature) and is half the
        # buffer size at which reading pauses.
        if limit <= 0:
            raise ValueError("Limit cannot be <= 0")
        self._limit = limit
        self._pause_above = 2 * limit
        self._loop = events.get_event_loop() if loop is None else loop
        self._buffer = bytearray()
        self._eof = False
        self._waiter: asyncio.Future[None] | None = None
        self._exception: BaseException | None = None
        self._transport: Any = None
        self._paused = False
        if self._loop.get_debug():
            # The innermost frames, source lines read only when printed:
            # what asyncio's reader keeps, at a cost fit for every connection.
            stack = traceback.StackSummary.extract(
                traceback.walk_stack(sys._getframe(1)), limit=10, lookup_lines=False
            )
            stack.reverse()
            self._source_traceback = stack

    def __repr__(self) -> str:
        info = ["StreamReader"]
        if self._buffer:
            info.append(f"{len(self._buffer)} bytes")
        if self._eof:
            info.append("eof")
        if self._limit != DEFAULT_LIMIT:
            info.append(f"limit={self._limit}")
        if self._waiter:
            info.append(f"waiter={self._waiter!r}")
        if self._exception:
            info.append(f"exception={self._exception!r}")
        if self._transport:
            info.append(f"transport={self._transport!r}")
        if self._paused:
            info.append("paused")
        return "<{}>".format(" ".join(info))

    # -- the producer side (the protocol calls these) ------------------------

    def exception(self) -> BaseException | None:
        return self._exception

    def set_exception(self, exc: BaseException) -> None:
        self._exception = exc
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_exception(exc)

    def set_transport(self, transport: asyncio.BaseTransport) -> None:
        assert self._transport is None, "Transport already set"
        self._transport = transport

    def _replace_transport(self, transport: asyncio.BaseTransport) -> None:
        """After start_tls(): pause and resume the TLS transport, not the
        raw one beneath it."""
        self._transport = transport

    def feed_eof(self) -> None:
        self._eof = True
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_result(None)

    def at_eof(self) -> bool:
        """True once EOF was fed and everything buffered was read."""
        return self._eof and not self._buffer

    def feed_data(self, data: BytesLike) -> None:
        assert not self._eof, "feed_data after feed_eof"
        if data:
            self._feed(data)

    def _feed(self, data: BytesLike) -> None:
        """The one way bytes enter the buffer; ``data`` may be a view of a
        buffer that is reused once this returns (it is copied). The hot
        path: the protocol calls it for every chunk read."""
        buffer = self._buffer
        buffer += data
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.cancelled():
                waiter.set_result(None)
        if len(buffer) > self._pause_above and not self._paused:
            self._pause_transport()

    def _pause_transport(self) -> None:
        transport = self._transport
        if transport is not None:
            try:
                transport.pause_reading()
            except NotImplementedError:
                # This transport cannot pause: buffer everything, and stop
                # asking.
                self._transport = None
            else:
                self._paused = True

    def _resume_transport(self, *, waiting: bool = False) -> None:
        """Called while paused, after a read took bytes or before it waits:
        reading resumes once at most ``limit`` bytes are left, and always
        before a wait (waiting while paused would deadlock, as in
        readexactly(n > 2 * limit)). Callers test ``_paused`` first, so
        that an unpaused read makes no call."""
        if waiting or len(self._buffer) <= self._limit:
            self._paused = False
            self._transport.resume_reading()

    async def _wait_for_data(self, func_name: str) -> None:
        # One waiter at a time: two coroutines reading the same stream
        # would each get an arbitrary part of the data.
        if self._waiter is not None:
            raise RuntimeError(
                f"{func_name}() called while another coroutine is "
                "already waiting for incoming data"
            )
        assert not self._eof, "_wait_for_data after EOF"
        if self._paused:
            self._resume_transport(waiting=True)
        self._waiter = waiter = self._loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    # -- the consumer side ------------------------------------------------------

    async def readline(self) -> bytes:
        """A line ending in b"\\n"; at EOF, what is left (maybe b"")."""
        try:
            return await self.readuntil(b"\n")
        except IncompleteReadError as exc:
            return exc.partial
        except LimitOverrunError as exc:
            buffer = self._buffer
            if buffer.startswith(b"\n", exc.consumed):
                del buffer[: exc.consumed + 1]
            else:
                buffer.clear()
            if self._paused:
                self._resume_transport()
            raise ValueError(exc.args[0])

    async def readuntil(self, separator: Any = b"\n") -> bytes:
        """Everything up to and including ``separator``, or the one of a
        tuple of separators that ends first (the shortest at equal ends)."""
        separators: list[Any] | None = None
        if isinstance(separator, tuple):
            if not separator:
                raise ValueError("Separator should contain at least one element")
            separators = sorted(separator, key=len)
            min_len = len(separators[0])
            max_len = len(separators[-1])
        else:
            # One separator, the common case (readline): searched directly.
            min_len = max_len = len(separator)
        if min_len == 0:
            raise ValueError("Separator should be at least one-byte string")
        if self._exception is not None:
            raise self._exception
        buffer = self._buffer
        limit = self._limit
        offset = 0
        while True:
            if separators is None:
                start = find(buffer, separator, offset)
                end = start + min_len
            else:
                start, end = _earliest_end(buffer, separators, offset)
            if start >= 0:
                break
            buflen = len(buffer)
            if buflen - offset >= min_len:
                # No separator starts before the last max_len - 1 bytes.
                offset = max(0, buflen + 1 - max_len)
                if offset > limit:
                    raise LimitOverrunError(
                        "Separator is not found, and chunk exceed the limit", offset
                    )
            if self._eof:
                chunk = bytes(buffer)
                buffer.clear()
                raise IncompleteReadError(chunk, None)
            await self._wait_for_data("readuntil")
        if start > limit:
            raise LimitOverrunError(
                "Separator is found, but chunk is longer than limit", start
            )
        return self._take(end)

    def _take(self, size: int) -> bytes:
        """Remove and return the first ``size`` (<= buffered) bytes."""
        buffer = self._buffer
        if size == len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = prefix(buffer, size)
            del buffer[:size]
        if self._paused:
            self._resume_transport()
        return data

    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes as soon as any are there; all until EOF if n < 0."""
        if self._exception is not None:
            raise self._exception
        if n == 0:
            return b""
        if n < 0:
            # Whatever is buffered, as it comes: the buffer is emptied each
            # time, so the transport keeps being resumed (flow control holds)
            # and a large body costs one copy per transport read or two.
            blocks = []
            buffer = self._buffer
            while True:
                if self._exception is not None:
                    raise self._exception
                if buffer:
                    blocks.append(self._take(len(buffer)))
                elif self._eof:
                    break
                else:
                    await self._wait_for_data("read")
            return b"".join(blocks)
        if not self._buffer and not self._eof:
            await self._wait_for_data("read")
        buffer = self._buffer
        return self._take(n if n < len(buffer) else len(buffer))

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes; IncompleteReadError if EOF comes first."""
        if n < 0:
            raise ValueError("readexactly size can not be less than zero")
        if self._exception is not None:
            raise self._exception
        if n == 0:
            return b""
        buffer = self._buffer
        while len(buffer) < n:
            if self._eof:
                incomplete = bytes(buffer)
                buffer.clear()
                raise IncompleteReadError(incomplete, n)
            # _wait_for_data(), inlined: a coroutine less per wait.
            if self._waiter is not None:
                raise RuntimeError(
                    "readexactly() called while another coroutine is "
                    "already waiting for incoming data"
                )
            if self._paused:
                self._resume_transport(waiting=True)
            self._waiter = waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self._take(n)

    def __aiter__(self) -> StreamReader:
        return self

    async def __anext__(self) -> bytes:
        line = await self.readline()
        if line == b"":
            raise StopAsyncIteration
        return line
