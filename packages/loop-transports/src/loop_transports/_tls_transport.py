"""SSLTransport: the application's side of a TLS connection.

A thin front for TLSProtocol, which holds all the state: the application
sees an ordinary ``asyncio.Transport`` whose bytes are plaintext.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._tls_protocol import TLSProtocol

__all__ = ["SSLTransport"]

_BytesLike = bytes | bytearray | memoryview


class SSLTransport(asyncio.Transport):
    """Plaintext in and out; TLS records underneath.

    Named with "SSL", like asyncio's: its test suite, and some programs,
    recognise a TLS transport by that word in the class name.
    """

    # Slots: see FdTransport (asyncio's BaseTransport has them).
    __slots__ = ("__dict__", "__weakref__", "_closed", "_tls")

    # start_tls() accepts it (TLS inside TLS), as asyncio's does.
    _start_tls_compatible = True

    def __init__(self, tls: TLSProtocol) -> None:
        super().__init__()
        self._tls: TLSProtocol | None = tls
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {state} {self._tls!r}>"

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        tls = self._tls
        return default if tls is None else tls.extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        if self._tls is not None:
            self._tls.set_app_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._tls._app_protocol if self._tls is not None else None  # type: ignore[return-value]

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Send close_notify once what was written is out; the connection
        closes when the peer answers or the shutdown timeout passes."""
        if not self._closed:
            self._closed = True
            if self._tls is not None:
                self._tls.start_shutdown()
        else:
            # Closed already (by us, the peer or a lost connection): let go
            # of the TLS state, as asyncio does, so that a protocol keeping
            # its transport does not keep the SSLContext alive.
            self._tls = None

    def abort(self) -> None:
        self._closed = True
        if self._tls is not None:
            self._tls.abort(None)

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if not getattr(self, "_closed", True):
            self._closed = True
            _warn(f"unclosed transport {self!r}", ResourceWarning, source=self)

    # -- reading ------------------------------------------------------------

    def is_reading(self) -> bool:
        tls = self._tls
        return tls is not None and not tls._app_reading_paused

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
        return (0, 0) if tls is None else (tls._in_low, tls._in_high)

    def get_read_buffer_size(self) -> int:
        return 0 if self._tls is None else self._tls._incoming.pending

    # -- writing ------------------------------------------------------------

    def write(self, data: _BytesLike) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"data: expecting a bytes-like instance, got {type(data).__name__}"
            )
        if data and self._tls is not None:
            self._tls.write(data)

    def writelines(self, list_of_data: Iterable[_BytesLike]) -> None:
        # One join, so small pieces share TLS records instead of one each.
        data = b"".join(list_of_data)
        if data and self._tls is not None:
            self._tls.write(data)

    def can_write_eof(self) -> bool:
        return False

    def write_eof(self) -> None:
        """TLS 1.3 has no half-close that asyncio exposes: close_notify
        ends both directions, so this raises as asyncio's does."""
        raise NotImplementedError

    def get_write_buffer_size(self) -> int:
        return 0 if self._tls is None else self._tls.write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        tls = self._tls
        return (0, 0) if tls is None else (tls._low, tls._high)

    def set_write_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        if self._tls is not None:
            self._tls.set_write_buffer_limits(high, low)

    @property
    def _protocol_paused(self) -> bool:
        # asyncio's sendfile fallback reads this to wait for resume_writing.
        return self._tls is not None and self._tls._app_writing_paused
