"""TLSProtocol: the lifecycle of a TLS connection over any stream transport.

It is the raw transport's protocol (a SocketTransport, or whatever
``start_tls`` was given) and owns the states, as in asyncio: UNWRAPPED ->
HANDSHAKE -> WRAPPED -> FLUSHING -> SHUTDOWN, and back to UNWRAPPED on any
failure or when the raw connection is lost; the timeouts; and when records
move. Calls go one way, down: SSLTransport (the application's transport)
-> TLSProtocol -> RecordPump (the records), AppSide (the application's
protocol), TLSFlow (who paused whom). The one report back up is TLSFlow's
write-buffer listener, registered by SSLTransport, whose water marks those
are. Hot path: an application write is encrypted and handed to the raw
transport at once; all one readiness event decrypts reaches the
application in one call. The raw side reads into one preallocated buffer.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from loop_core import SCRATCH_SIZE, FdTransport, scratch_buffer

from ._tls_app import AppSide
from ._tls_flow import TLSFlow, WriteBufferListener
from ._tls_pump import RecordPump
from ._tls_transport import SSLTransport
from ._waiter import settle

__all__ = ["TLSProtocol"]

logger = logging.getLogger("asyncio")

UNWRAPPED, HANDSHAKE, WRAPPED, FLUSHING, SHUTDOWN = range(5)
STATE_NAMES = ("UNWRAPPED", "HANDSHAKE", "WRAPPED", "FLUSHING", "SHUTDOWN")

HANDSHAKE_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 30.0
_LOG_AFTER_LOST_WRITES = 5
_NO_BUFFER = memoryview(bytearray())


def _read_buffer(
    loop: asyncio.AbstractEventLoop, transport: asyncio.BaseTransport
) -> memoryview:
    """The loop's shared buffer for the transports named here: they read
    into it and hand it straight to buffer_updated(), which empties it into
    the MemoryBIO at once. Any other transport may read later, so it gets
    its own."""
    if isinstance(transport, (FdTransport, SSLTransport)):
        return scratch_buffer(loop)
    return memoryview(bytearray(SCRATCH_SIZE))


class TLSProtocol(asyncio.BufferedProtocol):
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
        self._pump = RecordPump(
            context, server_side=server_side, server_hostname=server_hostname
        )
        self._buffer = _NO_BUFFER  # chosen in connection_made()
        self._extra: dict[str, Any] = {"sslcontext": context}
        self._waiter = waiter
        self._raw: asyncio.Transport | None = None
        self._state = UNWRAPPED
        self._app = AppSide(app_protocol, made=not call_connection_made)
        self._handshake_timeout = handshake_timeout or HANDSHAKE_TIMEOUT
        self._shutdown_timeout = shutdown_timeout or SHUTDOWN_TIMEOUT
        self._timer: asyncio.TimerHandle | None = None
        self._lost_writes = 0
        self._eof = False
        self._closing = False  # the application's side: closed or closing
        self._close_exc: BaseException | None = None
        self._flow = TLSFlow()
        self.transport: SSLTransport | None = SSLTransport(self)

    def __repr__(self) -> str:
        return f"<TLSProtocol {STATE_NAMES[self._state]} raw={self._raw!r}>"

    # -- what the application's transport reaches ---------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def app_protocol(self) -> Any:
        """The application's protocol; None once the connection is lost."""
        return self._app.protocol

    def set_app_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._app.set_protocol(protocol)

    def on_write_buffer_change(self, listener: WriteBufferListener) -> None:
        """Register the one listener told when ``write_buffer_size()`` may
        have crossed a water mark (dropped when the connection is lost)."""
        self._flow.listen(listener)

    def extra_info(self, name: str, default: Any) -> Any:
        if name in self._extra:
            return self._extra[name]
        if self._raw is not None:
            return self._raw.get_extra_info(name, default)
        return default

    @property
    def closing(self) -> bool:
        """Whether the application's side is closed or closing: by the
        application, by the peer's close_notify or by a lost connection."""
        return self._closing

    def close(self) -> None:
        """Send close_notify once what was written is out."""
        self._closing = True
        self._start_shutdown()

    def abort(self) -> None:
        self._closing = True
        self._abort(None)

    def received_early(self, data: bytes | bytearray) -> None:
        """Bytes of the connection read before this protocol took over
        (start_tls); the handshake reads them first."""
        self._pump.feed(data)

    @property
    def app_reading(self) -> bool:
        return not self._flow.app_reading_paused

    def pause_app_reading(self) -> None:
        self._flow.app_reading_paused = True

    def resume_app_reading(self) -> None:
        if self._flow.app_reading_paused:
            self._flow.app_reading_paused = False
            self._loop.call_soon(self._resume)

    def set_read_buffer_limits(self, high: int | None, low: int | None) -> None:
        self._flow.set_read_limits(high, low)

    @property
    def read_buffer_limits(self) -> tuple[int, int]:
        return self._flow.read_limits

    @property
    def read_buffer_size(self) -> int:
        return self._pump.incoming_size

    def write_buffer_size(self) -> int:
        return self._pump.buffer_size()

    def write(self, data: bytes | bytearray | memoryview) -> int | None:
        """Encrypt and pass on at once while WRAPPED; queue before that.

        Returns the write buffer's size when the caller is to check its
        water marks, None when this call told the listener itself or when
        the buffer did not change.
        """
        state = self._state
        if state in (WRAPPED, HANDSHAKE):
            pump = self._pump
            queued = pump.backlog_size
            try:
                pump.write(data)
            except Exception as exc:
                self._fatal_error(exc, "Fatal error on SSL protocol")
                return None
            if state == HANDSHAKE:
                return None
            if queued:
                self._flush_outgoing()
                return None
            if not self._flow.raw_writing_paused:
                out = pump.data_to_send()
                if out:
                    self._raw.write(out)  # type: ignore[union-attr]
            return pump.buffer_size()
        if self._lost_writes >= _LOG_AFTER_LOST_WRITES:
            logger.warning("SSL connection is closed")
        self._lost_writes += 1
        return None

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
        self._pump.discard_output()
        self._lost_writes += 1
        self._cancel_timer()
        self._closing = True
        self.transport = None
        self._flow.listen(None)
        if self._state != HANDSHAKE:
            self._app.connection_lost(self._loop, exc)
        elif exc is None:
            exc = ConnectionResetError("Connection lost during TLS handshake")
        self._state = UNWRAPPED
        self._raw = None
        self._app.detach()
        self._wake(exc)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._pump.feed(self._buffer[:nbytes])
        if self._state == HANDSHAKE:
            self._do_handshake()
        else:
            self._resume()

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
                if self._flow.app_reading_paused:
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
        self._flow.raw_writing_paused = True

    def resume_writing(self) -> None:
        self._flow.raw_writing_paused = False
        self._flush_outgoing()

    # -- moving records -----------------------------------------------------

    def _do_write(self) -> None:
        try:
            self._pump.write_backlog()
        except Exception as exc:
            self._fatal_error(exc, "Fatal error on SSL protocol")
            return
        self._flush_outgoing()

    def _flush_outgoing(self) -> None:
        raw = self._raw
        if not self._flow.raw_writing_paused and raw is not None:
            data = self._pump.data_to_send()
            if data:
                raw.write(data)
        if self._app.protocol is not None:
            self._flow.tell(True)

    def _do_read(self) -> None:
        if self._state not in (WRAPPED, FLUSHING):
            return
        pump = self._pump
        try:
            if not self._flow.app_reading_paused:
                if self._app.deliver(pump, self._loop, self._do_read):
                    self._call_eof_received()
                    self._start_shutdown()
                if pump.backlog_size:
                    self._do_write()
                elif pump.outgoing_size:
                    # Reading made TLS output (a key update...).
                    self._flush_outgoing()
                elif self._app.protocol is not None:
                    # A paused application may wait to hear it drained.
                    self._flow.tell(False)
            raw = self._raw
            if raw is not None:
                self._flow.check_raw_reading(raw, pump.incoming_size)
        except Exception as exc:
            self._fatal_error(exc, "Fatal error on SSL protocol")

    def _call_eof_received(self) -> None:
        exc = self._app.eof_received()
        if exc is not None:
            self._fatal_error(exc, "Error calling eof_received()")

    def _resume(self) -> None:
        """Move what waits, as the state allows (not in HANDSHAKE)."""
        state = self._state
        if state == WRAPPED:
            self._do_read()
        elif state == FLUSHING:
            self._do_flush()
        elif state == SHUTDOWN:
            self._do_shutdown()

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
            done = self._pump.handshake()
        except ssl.SSLError as exc:
            self._handshake_done(exc)
            return
        if done:
            self._handshake_done(None)
        else:
            self._flush_outgoing()

    def _handshake_done(self, exc: BaseException | None) -> None:
        self._cancel_timer()
        if exc is not None:
            self._handshake_failed(exc)
            return
        try:
            self._state = WRAPPED
            info = self._pump.session_info()
        except Exception as err:
            # Handled in another frame: this one, which the error's traceback
            # holds, must not keep the error (no cycle once it is dropped).
            self._handshake_failed(err)
            return
        self._extra.update(info)
        self._app.connection_made(self.transport)
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

    def _wake(self, exc: BaseException | None) -> None:
        waiter, self._waiter = self._waiter, None
        settle(waiter, exc)

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    # -- shutdown -----------------------------------------------------------

    def _start_shutdown(self) -> None:
        state = self._state
        if state in (FLUSHING, SHUTDOWN, UNWRAPPED):
            return
        self._closing = True
        if state == HANDSHAKE:
            self._abort(None)
            return
        self._state = FLUSHING
        self._timer = self._loop.call_later(
            self._shutdown_timeout, self._shutdown_timed_out
        )
        self._do_flush()

    def _shutdown_timed_out(self) -> None:
        self._timer = None
        if self._state in (FLUSHING, SHUTDOWN):
            self._abort(TimeoutError("SSL shutdown timed out"))

    def _do_flush(self) -> None:
        self._do_read()
        if self._state == FLUSHING:
            self._state = SHUTDOWN
            self._do_shutdown()

    def _do_shutdown(self) -> None:
        try:
            done = self._eof or self._pump.shutdown()
        except ssl.SSLError as exc:
            self._cancel_timer()
            self._fatal_error(exc)
            return
        if not done:
            self._flush_outgoing()
            return
        self._cancel_timer()
        raw = self._raw
        if raw is not None:
            # close_notify goes out even while the raw side is paused.
            data = self._pump.data_to_send()
            if data:
                raw.write(data)
            self._call_eof_received()
            self._loop.call_soon(raw.close)

    def _abort(self, exc: BaseException | None) -> None:
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
