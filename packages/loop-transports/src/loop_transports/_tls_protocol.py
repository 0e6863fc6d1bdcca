"""TLSProtocol: TLS over ``ssl.MemoryBIO``, as the protocol of any stream
transport.

The raw transport (a SocketTransport, or whatever ``start_tls`` was given)
moves ciphertext; this protocol feeds it through an ``ssl.SSLObject`` and
talks plaintext to the application through a SSLTransport. States, as in
asyncio: UNWRAPPED -> HANDSHAKE -> WRAPPED -> FLUSHING -> SHUTDOWN, and
back to UNWRAPPED on any failure or when the raw connection is lost. This
module is the lifecycle; the data path is TLSDataPath (``_tls_io.py``).
The raw side is a BufferedProtocol reading into one preallocated buffer.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Any

from loop_core import FdTransport

from ._scratch import SCRATCH_SIZE, loop_scratch
from ._tls_io import (
    AGAIN,
    APP_EOF,
    APP_INIT,
    APP_LOST,
    APP_MADE,
    FLUSHING,
    HANDSHAKE,
    SHUTDOWN,
    STATE_NAMES,
    UNWRAPPED,
    WRAPPED,
    TLSDataPath,
    logger,
    water_marks,
)
from ._tls_transport import SSLTransport

__all__ = ["TLSProtocol"]

_NO_BUFFER = memoryview(bytearray())


def _read_buffer(
    loop: asyncio.AbstractEventLoop, transport: asyncio.BaseTransport
) -> memoryview:
    """The loop's shared buffer for the transports named here: they read
    into it and hand it straight to buffer_updated(), which empties it into
    the MemoryBIO at once. Any other transport may read later, so it gets
    its own."""
    if isinstance(transport, (FdTransport, SSLTransport)):
        return loop_scratch(loop)
    return memoryview(bytearray(SCRATCH_SIZE))


HANDSHAKE_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 30.0


class TLSProtocol(TLSDataPath, asyncio.BufferedProtocol):
    """The raw transport's protocol; ``self.transport`` is the app's."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        app_protocol: asyncio.BaseProtocol,
        context: ssl.SSLContext,
        waiter: asyncio.Future[None] | None,
        *,
        server_side: bool = False,
        server_hostname: str | None = None,
        call_connection_made: bool = True,
        handshake_timeout: float | None = None,
        shutdown_timeout: float | None = None,
    ) -> None:
        self._loop = loop
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._sslobj = context.wrap_bio(
            self._incoming,
            self._outgoing,
            server_side=server_side,
            server_hostname=None if server_side else (server_hostname or None),
        )
        self._buffer = _NO_BUFFER  # chosen in connection_made()
        self._extra: dict[str, Any] = {"sslcontext": context}
        self._waiter = waiter
        self._raw: asyncio.Transport | None = None
        self._state = UNWRAPPED
        self._app_state = APP_INIT if call_connection_made else APP_MADE
        self._handshake_timeout = handshake_timeout or HANDSHAKE_TIMEOUT
        self._shutdown_timeout = shutdown_timeout or SHUTDOWN_TIMEOUT
        self._timer: asyncio.TimerHandle | None = None
        self._backlog: deque[bytes | bytearray | memoryview] = deque()
        self._backlog_size = 0
        self._lost_writes = 0
        self._eof = False
        self._close_exc: BaseException | None = None
        self._raw_writing_paused = False
        self._app_writing_paused = False
        self._high, self._low = water_marks(None, None, 512)
        self._app_reading_paused = False
        self._raw_reading_paused = False
        self._in_high, self._in_low = water_marks(None, None, 256)
        self._app_protocol: Any = None
        self._app_buffered = False
        self.set_app_protocol(app_protocol)
        self.transport: SSLTransport | None = SSLTransport(self)

    def __repr__(self) -> str:
        return f"<TLSProtocol {STATE_NAMES[self._state]} raw={self._raw!r}>"

    def set_app_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._app_protocol = protocol
        self._app_buffered = isinstance(protocol, asyncio.BufferedProtocol)

    def extra_info(self, name: str, default: Any) -> Any:
        if name in self._extra:
            return self._extra[name]
        if self._raw is not None:
            return self._raw.get_extra_info(name, default)
        return default

    def _wake(self, exc: BaseException | None) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def received_early(self, data: bytes | bytearray) -> None:
        """Bytes of the connection read before this protocol took over
        (start_tls); the handshake reads them first."""
        self._incoming.write(data)

    # -- the raw transport's protocol ---------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._buffer = _read_buffer(self._loop, transport)
        self._raw = transport  # type: ignore[assignment]
        self._state = HANDSHAKE
        self._timer = self._loop.call_later(
            self._handshake_timeout, self._handshake_timed_out
        )
        self._do_handshake()

    def connection_lost(self, exc: BaseException | None) -> None:
        # Taken, not kept: the error's traceback refers to this protocol.
        close_exc, self._close_exc = self._close_exc, None
        if exc is None:
            exc = close_exc
        self._backlog.clear()
        self._backlog_size = 0
        self._outgoing.read()
        self._lost_writes += 1
        self._cancel_timer()
        app_transport, self.transport = self.transport, None
        if app_transport is not None:
            app_transport._closed = True
        if self._state != HANDSHAKE and self._app_state in (APP_MADE, APP_EOF):
            self._app_state = APP_LOST
            self._loop.call_soon(self._app_protocol.connection_lost, exc)
        elif self._state == HANDSHAKE and exc is None:
            exc = ConnectionResetError("Connection lost during TLS handshake")
        self._state = UNWRAPPED
        self._raw = None
        self._app_protocol = None
        self._wake(exc)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._incoming.write(self._buffer[:nbytes])
        state = self._state
        if state == WRAPPED:
            self._do_read()
        elif state == HANDSHAKE:
            self._do_handshake()
        elif state == FLUSHING:
            self._do_flush()
        elif state == SHUTDOWN:
            self._do_shutdown()

    def eof_received(self) -> bool | None:
        self._eof = True
        try:
            state = self._state
            if state == HANDSHAKE:
                self._handshake_done(
                    ConnectionResetError("Connection lost during TLS handshake")
                )
            elif state == WRAPPED:
                self._state = FLUSHING
                if self._app_reading_paused:
                    return True
                self._do_flush()
            elif state == FLUSHING:
                self._do_write()
                self._state = SHUTDOWN
                self._do_shutdown()
            elif state == SHUTDOWN:
                self._do_shutdown()
        except Exception:
            if self._raw is not None:
                self._raw.close()
            raise
        return None

    def pause_writing(self) -> None:
        self._raw_writing_paused = True

    def resume_writing(self) -> None:
        self._raw_writing_paused = False
        self._flush_outgoing()

    # -- handshake ----------------------------------------------------------

    def _handshake_timed_out(self) -> None:
        self._timer = None
        if self._state == HANDSHAKE:
            self._fatal_error(
                ConnectionAbortedError(
                    f"SSL handshake is taking longer than "
                    f"{self._handshake_timeout} seconds: aborting the connection"
                )
            )

    def _do_handshake(self) -> None:
        try:
            self._sslobj.do_handshake()
        except AGAIN:
            self._flush_outgoing()
        except ssl.SSLError as exc:
            self._handshake_done(exc)
        else:
            self._handshake_done(None)

    def _handshake_done(self, exc: BaseException | None) -> None:
        self._cancel_timer()
        if exc is not None:
            self._handshake_failed(exc)
            return
        sslobj = self._sslobj
        try:
            self._state = WRAPPED
            peercert = sslobj.getpeercert()
        except Exception as err:
            # Handled in another frame: this one, which the error's traceback
            # holds, must not keep the error (no cycle once it is dropped).
            self._handshake_failed(err)
            return
        self._extra.update(
            peercert=peercert,
            cipher=sslobj.cipher(),
            compression=sslobj.compression(),
            ssl_object=sslobj,
        )
        if self._app_state == APP_INIT:
            self._app_state = APP_MADE
            self._app_protocol.connection_made(self.transport)
        self._wake(None)
        self._do_read()

    def _handshake_failed(self, err: BaseException) -> None:
        self._state = UNWRAPPED
        if isinstance(err, ssl.CertificateError):
            message = "SSL handshake failed on verifying the certificate"
        else:
            message = "SSL handshake failed"
        self._fatal_error(err, message)
        self._wake(err)

    # -- shutdown -----------------------------------------------------------

    def start_shutdown(self) -> None:
        state = self._state
        if state in (FLUSHING, SHUTDOWN, UNWRAPPED):
            return
        if self.transport is not None:
            self.transport._closed = True
        if state == HANDSHAKE:
            self.abort(None)
            return
        self._state = FLUSHING
        self._timer = self._loop.call_later(
            self._shutdown_timeout, self._shutdown_timed_out
        )
        self._do_flush()

    def _shutdown_timed_out(self) -> None:
        self._timer = None
        if self._state in (FLUSHING, SHUTDOWN):
            self.abort(TimeoutError("SSL shutdown timed out"))

    def _do_flush(self) -> None:
        self._do_read()
        if self._state == FLUSHING:
            self._state = SHUTDOWN
            self._do_shutdown()

    def _do_shutdown(self) -> None:
        try:
            if not self._eof:
                self._sslobj.unwrap()
        except AGAIN:
            self._flush_outgoing()
        except ssl.SSLError as exc:
            self._cancel_timer()
            self._fatal_error(exc)
        else:
            self._cancel_timer()
            raw = self._raw
            if raw is not None:
                # close_notify goes out even while the raw side is paused.
                data = self._outgoing.read()
                if data:
                    raw.write(data)
                self._call_eof_received()
                self._loop.call_soon(raw.close)

    def abort(self, exc: BaseException | None) -> None:
        self._state = UNWRAPPED
        raw = self._raw
        if raw is not None:
            if self._close_exc is None:
                self._close_exc = exc
            raw.abort()

    def _fatal_error(
        self, exc: BaseException, message: str = "Fatal error on transport"
    ) -> None:
        raw = self._raw
        if raw is not None:
            if self._close_exc is None:
                self._close_exc = exc
            raw.abort()
        if isinstance(exc, OSError):
            if self._loop.get_debug():
                logger.debug("%r: %s", self, message, exc_info=True)
        elif not isinstance(exc, asyncio.CancelledError):
            self._loop.call_exception_handler(
                {
                    "message": message,
                    "exception": exc,
                    "transport": raw,
                    "protocol": self,
                }
            )
