"""SSLTransport: the application's side of a TLS connection.

A front for TLSProtocol, which owns the connection's state: the
application sees an ordinary ``asyncio.Transport`` whose bytes are
plaintext. It reaches that state through TLSProtocol's public methods and
properties only, and owns one thing itself: write-side flow control (the
water marks and whether the application was told to pause), through
``loop_core.WriteFlowControl``. TLSProtocol tells it when the write buffer
(ciphertext not yet handed to the raw transport, plus plaintext OpenSSL
has not taken) may have crossed a mark.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from loop_core import BytesLike, WriteFlowControl

if TYPE_CHECKING:
    from ._tls_protocol import TLSProtocol

__all__ = ["SSLTransport"]


class SSLTransport(WriteFlowControl):
    """Plaintext in and out; TLS records underneath.

    Named with "SSL", like asyncio's: its test suite, and some programs,
    recognise a TLS transport by that word in the class name.
    """

    # Slots: see FdTransport (asyncio's BaseTransport has them).
    __slots__ = ("__dict__", "__weakref__", "_loop", "_tls")

    # start_tls() accepts it (TLS inside TLS), as asyncio's does.
    _start_tls_compatible = True
    # asyncio's TLS defaults: 512 KiB, and a pause once the buffer reaches it.
    default_high_water = 512 * 1024
    pause_at_high_water = True

    def __init__(self, tls: TLSProtocol) -> None:
        super().__init__()
        # None once close() was called on a closed transport (see close()).
        self._tls: TLSProtocol | None = tls
        self._loop = tls.loop
        tls.on_write_buffer_change(self._write_buffer_changed)

    @property
    def _sslcontext(self) -> Any:
        """The SSLContext, under uvloop's private name (asyncio's is
        ``transport._ssl_protocol._sslcontext``); read by aiohttp's tests."""
        return self.get_extra_info("sslcontext")

    def __repr__(self) -> str:
        state = "closed" if self.is_closing() else "open"
        return f"<{type(self).__name__} {state} {self._tls!r}>"

    # What WriteFlowControl reads. The TLS connection holds both, so they
    # are read-only properties over the attributes the base declares
    # (its docstring allows it; mypy flags any such override).
    @property
    def _buffer_size(self) -> int:  # type: ignore[override]
        tls = self._tls
        return 0 if tls is None else tls.write_buffer_size()

    @property
    def _protocol(self) -> Any:  # type: ignore[override]
        tls = self._tls
        return None if tls is None else tls.app_protocol

    def _write_buffer_changed(self, may_pause: bool) -> None:
        """Pause or resume the application as the marks say; one at a
        time, as asyncio's TLS does (with a high mark of 0, a write pauses
        and the next event resumes)."""
        if self._writing_paused:
            self._maybe_resume_protocol()
        elif may_pause:
            self._maybe_pause_protocol()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        tls = self._tls
        return default if tls is None else tls.extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        if self._tls is not None:
            self._tls.set_app_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol  # type: ignore[no-any-return]

    def is_closing(self) -> bool:
        tls = self._tls
        return tls is None or tls.closing

    def close(self) -> None:
        """Send close_notify once what was written is out; the connection
        closes when the peer answers or the shutdown timeout passes."""
        tls = self._tls
        if tls is None:
            return
        if not tls.closing:
            tls.close()
        else:
            # Closed already (by us, the peer or a lost connection): let go
            # of the TLS state, as asyncio does, so that a protocol keeping
            # its transport does not keep the SSLContext alive.
            self._tls = None

    def abort(self) -> None:
        if self._tls is not None:
            self._tls.abort()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        tls = getattr(self, "_tls", None)
        if tls is not None and not tls.closing:
            _warn(f"unclosed transport {self!r}", ResourceWarning, source=self)

    # -- reading ------------------------------------------------------------

    def is_reading(self) -> bool:
        tls = self._tls
        return tls is not None and tls.app_reading

    def pause_reading(self) -> None:
        if self._tls is not None:
            self._tls.pause_app_reading()

    def resume_reading(self) -> None:
        if self._tls is not None:
            self._tls.resume_app_reading()

    def set_read_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        if self._tls is not None:
            self._tls.set_read_buffer_limits(high, low)

    def get_read_buffer_limits(self) -> tuple[int, int]:
        tls = self._tls
        return (0, 0) if tls is None else tls.read_buffer_limits

    def get_read_buffer_size(self) -> int:
        tls = self._tls
        return 0 if tls is None else tls.read_buffer_size

    # -- writing ------------------------------------------------------------

    def write(self, data: BytesLike) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"data: expecting a bytes-like instance, got {type(data).__name__}"
            )
        tls = self._tls
        if data and tls is not None:
            size = tls.write(data)
            if size is not None and (size >= self._high_water or self._writing_paused):
                self._write_buffer_changed(True)

    def writelines(self, list_of_data: Iterable[BytesLike]) -> None:
        # One join, so small pieces share TLS records instead of one each.
        data = b"".join(list_of_data)
        tls = self._tls
        if data and tls is not None:
            size = tls.write(data)
            if size is not None and (size >= self._high_water or self._writing_paused):
                self._write_buffer_changed(True)

    def can_write_eof(self) -> bool:
        return False

    def write_eof(self) -> None:
        """TLS 1.3 has no half-close that asyncio exposes: close_notify
        ends both directions, so this raises as asyncio's does."""
        raise NotImplementedError

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (0, 0) if self._tls is None else super().get_write_buffer_limits()

    def set_write_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        """As WriteFlowControl's, but new marks may resume the application
        too (asyncio's TLS checks both ways); ignored once let go."""
        tls = self._tls
        if tls is not None:
            self._high_water, self._low_water = self._water_marks(high, low)
            if tls.app_protocol is not None:
                self._write_buffer_changed(True)
