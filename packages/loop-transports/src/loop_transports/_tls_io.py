"""The data path of a TLS connection: plaintext in, ciphertext out, and
back, with flow control in both directions.

TLSDataPath is TLSProtocol's base (``_tls_protocol.py`` holds the
lifecycle: handshake, shutdown, the raw transport's callbacks). It is the
hot part, so it is written for speed: an application write is encrypted
and handed to the raw transport at once, with no queue between, and
everything one readiness event decrypts reaches the application in one
``data_received`` call.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._tls_transport import SSLTransport

__all__ = ["TLSDataPath"]

logger = logging.getLogger("asyncio")

# What SSLObject raises when it needs more ciphertext (as asyncio treats it).
AGAIN = (ssl.SSLWantReadError, ssl.SSLSyscallError)

UNWRAPPED, HANDSHAKE, WRAPPED, FLUSHING, SHUTDOWN = range(5)
STATE_NAMES = ("UNWRAPPED", "HANDSHAKE", "WRAPPED", "FLUSHING", "SHUTDOWN")
# The application protocol's side: before connection_made, after it,
# after eof_received, after connection_lost.
APP_INIT, APP_MADE, APP_EOF, APP_LOST = range(4)

PLAIN_CHUNK = 64 * 1024  # one SSLObject.read(); a record holds at most 16 KiB
_LOG_AFTER_LOST_WRITES = 5


def water_marks(high: int | None, low: int | None, kib: int) -> tuple[int, int]:
    if high is None:
        high = kib * 1024 if low is None else 4 * low
    if low is None:
        low = high // 4
    if not high >= low >= 0:
        raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
    return high, low


class TLSDataPath:
    """Reading and writing once the handshake is done; state set up by
    TLSProtocol.__init__."""

    _loop: asyncio.AbstractEventLoop
    _sslobj: ssl.SSLObject
    _incoming: ssl.MemoryBIO
    _outgoing: ssl.MemoryBIO
    _raw: asyncio.Transport | None
    _state: int
    _app_state: int
    _app_protocol: Any
    _app_buffered: bool
    _backlog: deque[bytes | bytearray | memoryview]
    _backlog_size: int
    _lost_writes: int
    _raw_writing_paused: bool
    _app_writing_paused: bool
    _high: int
    _low: int
    _app_reading_paused: bool
    _raw_reading_paused: bool
    _in_high: int
    _in_low: int
    transport: SSLTransport | None

    if TYPE_CHECKING:

        def start_shutdown(self) -> None: ...
        def _do_flush(self) -> None: ...
        def _do_shutdown(self) -> None: ...
        def _fatal_error(self, exc: BaseException, message: str = ...) -> None: ...

    # -- writing ------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Encrypt and pass on at once while WRAPPED; queue before that."""
        state = self._state
        if state == WRAPPED and not self._backlog:
            try:
                count = self._sslobj.write(data)
            except AGAIN:
                count = 0
            except Exception as exc:
                self._fatal_error(exc, "Fatal error on SSL protocol")
                return
            if count < len(data):
                rest = bytes(data[count:])
                self._backlog.append(rest)
                self._backlog_size += len(rest)
            if not self._raw_writing_paused:
                out = self._outgoing.read()
                if out:
                    self._raw.write(out)  # type: ignore[union-attr]
            size = self._outgoing.pending + self._backlog_size
            if size >= self._high or self._app_writing_paused:
                self._control_app_writing(size)
            return
        if state in (FLUSHING, SHUTDOWN, UNWRAPPED):
            if self._lost_writes >= _LOG_AFTER_LOST_WRITES:
                logger.warning("SSL connection is closed")
            self._lost_writes += 1
            return
        if type(data) is not bytes:
            data = bytes(data)
        self._backlog.append(data)
        self._backlog_size += len(data)
        if state == WRAPPED:
            self._do_write()

    def _do_write(self) -> None:
        backlog = self._backlog
        try:
            while backlog:
                data = backlog[0]
                count = self._sslobj.write(data)
                if count < len(data):
                    backlog[0] = data[count:]
                    self._backlog_size -= count
                else:
                    backlog.popleft()
                    self._backlog_size -= len(data)
        except AGAIN:
            pass
        except Exception as exc:
            self._fatal_error(exc, "Fatal error on SSL protocol")
            return
        self._flush_outgoing()

    def _flush_outgoing(self) -> None:
        if not self._raw_writing_paused and self._raw is not None:
            data = self._outgoing.read()
            if data:
                self._raw.write(data)
        self._control_app_writing(self._outgoing.pending + self._backlog_size)

    def write_buffer_size(self) -> int:
        return self._outgoing.pending + self._backlog_size

    def set_write_buffer_limits(self, high: int | None, low: int | None) -> None:
        self._high, self._low = water_marks(high, low, 512)
        self._control_app_writing(self.write_buffer_size())

    def _control_app_writing(self, size: int) -> None:
        if self._app_state == APP_LOST or self._app_protocol is None:
            return
        if size >= self._high and not self._app_writing_paused:
            self._app_writing_paused = True
            self._call_app("pause_writing")
        elif size <= self._low and self._app_writing_paused:
            self._app_writing_paused = False
            self._call_app("resume_writing")

    def _call_app(self, name: str) -> None:
        try:
            getattr(self._app_protocol, name)()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler(
                {
                    "message": f"protocol.{name}() failed",
                    "exception": exc,
                    "transport": self.transport,
                    "protocol": self,
                }
            )

    # -- reading ------------------------------------------------------------

    def _do_read(self) -> None:
        if self._state not in (WRAPPED, FLUSHING):
            return
        try:
            if not self._app_reading_paused:
                if self._app_buffered:
                    self._read_buffered()
                else:
                    self._read_copied()
                if self._backlog:
                    self._do_write()
                elif self._outgoing.pending or self._app_writing_paused:
                    # Reading made TLS output (a key update...), or the
                    # application waits to hear the buffer drained.
                    self._flush_outgoing()
            raw = self._raw
            if raw is not None:
                pending = self._incoming.pending
                if pending >= self._in_high and not self._raw_reading_paused:
                    self._raw_reading_paused = True
                    raw.pause_reading()
                elif pending <= self._in_low and self._raw_reading_paused:
                    self._raw_reading_paused = False
                    raw.resume_reading()
        except Exception as exc:
            self._fatal_error(exc, "Fatal error on SSL protocol")

    def _read_copied(self) -> None:
        sslobj = self._sslobj
        read = sslobj.read
        incoming = self._incoming
        try:
            first = read(PLAIN_CHUNK)
        except AGAIN:
            return
        chunks: list[bytes] | None = None
        eof = not first
        try:
            # Stop once both BIO and SSL object are empty: the read after
            # that would only raise SSLWantReadError, which costs.
            while not eof and (incoming.pending or sslobj.pending()):
                chunk = read(PLAIN_CHUNK)
                if not chunk:
                    eof = True
                elif chunks is None:
                    chunks = [first, chunk]
                else:
                    chunks.append(chunk)
        except AGAIN:
            pass
        if chunks is not None:
            self._app_protocol.data_received(b"".join(chunks))
        elif first:
            self._app_protocol.data_received(first)
        if eof:
            self._call_eof_received()
            self.start_shutdown()

    def _read_buffered(self) -> None:
        protocol = self._app_protocol
        sslobj = self._sslobj
        read: Any = sslobj.read  # (len, buffer) -> int, whatever stubs say
        incoming = self._incoming
        buf = memoryview(protocol.get_buffer(incoming.pending or -1)).cast("B")
        wants = len(buf)
        if not wants:
            raise RuntimeError("get_buffer() returned an empty buffer")
        offset = 0
        eof = False
        try:
            while offset < wants:
                count = read(wants - offset, buf[offset:])
                if not count:
                    eof = True
                    break
                offset += count
                if not (incoming.pending or sslobj.pending()):
                    break
            else:
                self._loop.call_soon(self._do_read)  # full: there may be more
        except AGAIN:
            pass
        if offset:
            protocol.buffer_updated(offset)
        if eof:
            self._call_eof_received()
            self.start_shutdown()

    def _call_eof_received(self) -> None:
        try:
            if self._app_state == APP_MADE:
                self._app_state = APP_EOF
                if self._app_protocol.eof_received():
                    logger.warning(
                        "returning true from eof_received() "
                        "has no effect when using ssl"
                    )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self._fatal_error(exc, "Error calling eof_received()")

    def pause_app_reading(self) -> None:
        self._app_reading_paused = True

    def resume_app_reading(self) -> None:
        if self._app_reading_paused:
            self._app_reading_paused = False
            self._loop.call_soon(self._resume)

    def _resume(self) -> None:
        state = self._state
        if state == WRAPPED:
            self._do_read()
        elif state == FLUSHING:
            self._do_flush()
        elif state == SHUTDOWN:
            self._do_shutdown()

    def set_read_buffer_limits(self, high: int | None, low: int | None) -> None:
        self._in_high, self._in_low = water_marks(high, low, 256)
