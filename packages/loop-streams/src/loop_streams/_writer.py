"""StreamWriter: a transport with drain(), wait_closed() and start_tls()."""

from __future__ import annotations

import asyncio
import sys
import warnings
from asyncio.tasks import sleep
from collections.abc import Iterable
from typing import Any

from loop_core import BytesLike

from ._flow import FlowControlMixin
from ._reader import StreamReader

__all__ = ["StreamWriter"]

# asyncio's StreamWriter.start_tls() hands loop.start_tls() its
# ssl_shutdown_timeout, None included, from 3.12 on (3.11's has none).
_PASS_SHUTDOWN_TIMEOUT = sys.version_info >= (3, 12)


class StreamWriter:
    """Writes to a transport; ``drain()`` waits while the transport's
    buffer is over its high-water mark and raises the connection's error."""

    def __init__(
        self,
        transport: asyncio.WriteTransport,
        protocol: Any,
        reader: StreamReader | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # drain() asks the reader for the connection's error. (Checked
        # first: a half-made writer must not warn about its transport.)
        assert reader is None or isinstance(reader, StreamReader)
        self._transport = transport
        self._protocol = protocol
        self._reader = reader
        self._loop = loop
        # drain()'s fast path reads the flow-control flags directly when the
        # protocol is ours; any other protocol gets _drain_helper() called.
        self._flow: FlowControlMixin | None = (
            protocol if isinstance(protocol, FlowControlMixin) else None
        )

    def __repr__(self) -> str:
        info = [type(self).__name__, f"transport={self._transport!r}"]
        if self._reader is not None:
            info.append(f"reader={self._reader!r}")
        return "<{}>".format(" ".join(info))

    @property
    def transport(self) -> asyncio.WriteTransport:
        return self._transport

    def write(self, data: BytesLike) -> None:
        self._transport.write(data)

    def writelines(self, data: Iterable[BytesLike]) -> None:
        self._transport.writelines(data)

    def write_eof(self) -> None:
        return self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        return self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    async def wait_closed(self) -> None:
        """Wait until the connection is lost; raise its error if it had one."""
        await self._protocol._get_close_waiter(self)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is low enough to write
        more; raise the error that ended the connection, if any."""
        reader = self._reader
        if reader is not None:
            exc = reader._exception
            if exc is not None:
                raise exc
        if self._transport.is_closing():
            # Let connection_lost() run, so that writing in a loop on a
            # closed connection ends with its error, not forever.
            await sleep(0)
        flow = self._flow
        if flow is None:
            await self._protocol._drain_helper()
        elif flow._connection_lost:
            raise ConnectionResetError("Connection lost")
        elif flow._paused:
            await flow._drain_helper()

    async def start_tls(
        self,
        sslcontext: Any,
        *,
        server_hostname: str | None = None,
        ssl_handshake_timeout: float | None = None,
        ssl_shutdown_timeout: float | None = None,
    ) -> None:
        """Upgrade the connection to TLS in place."""
        protocol = self._protocol
        server_side = protocol._client_connected_cb is not None
        await self.drain()
        kwargs: dict[str, Any] = {}
        if _PASS_SHUTDOWN_TIMEOUT or ssl_shutdown_timeout is not None:
            kwargs["ssl_shutdown_timeout"] = ssl_shutdown_timeout
        new_transport = await self._loop.start_tls(
            self._transport,
            protocol,
            sslcontext,
            server_side=server_side,
            server_hostname=server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout,
            **kwargs,
        )
        assert new_transport is not None
        self._transport = new_transport
        protocol._replace_transport(new_transport)

    def __del__(self, _warn: Any = warnings.warn) -> None:
        # Bound as a default: this may run at interpreter exit, when the
        # module's globals are already gone.
        transport = getattr(self, "_transport", None)
        if transport is None or transport.is_closing():
            return
        if self._loop.is_closed():
            _warn("loop is closed", ResourceWarning)
        else:
            self.close()
            _warn(f"unclosed {self!r}", ResourceWarning)
