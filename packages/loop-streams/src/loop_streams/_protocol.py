"""StreamReaderProtocol: feeds a StreamReader, and makes drain() wait.

It is a ``BufferedProtocol``: the transport reads straight into the loop's
shared receive buffer (``loop_core.scratch_buffer``: one transport read at
most, which is what a stalled reader may hold on top of ``2 * limit``), and
``buffer_updated`` feeds that to the reader, which appends it to its
``bytearray``: no bytes object is made per chunk.
``data_received`` works as well, for transports that only know that; a
subclass that overrides ``data_received`` keeps getting it (its buffered
methods route the chunk there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from loop_core import scratch_buffer

from ._flow import FlowControlMixin
from ._reader import StreamReader
from ._writer import StreamWriter

__all__ = ["StreamReaderProtocol"]

ClientConnectedCallback = Callable[[Any, Any], Awaitable[None] | None]


class StreamReaderProtocol(FlowControlMixin, asyncio.BufferedProtocol):
    """Adapts a transport to a StreamReader (and, for servers, calls
    ``client_connected_cb(reader, writer)`` on each connection)."""

    _source_traceback = None

    def __init__(
        self,
        stream_reader: StreamReader | None,
        client_connected_cb: ClientConnectedCallback | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(loop=loop)
        # A strong reference: the protocol lives as long as its transport,
        # and the reader is what it exists for.
        self._reader = stream_reader
        if stream_reader is not None:
            self._source_traceback = stream_reader._source_traceback
        self._task: asyncio.Task[None] | None = None
        self._transport: Any = None
        self._client_connected_cb = client_connected_cb
        self._over_ssl = False
        self._closed: asyncio.Future[None] = self._loop.create_future()
        self._scratch = scratch_buffer(self._loop)
        if stream_reader is not None and not isinstance(stream_reader, StreamReader):
            # Someone else's reader: it only promises feed_data().
            self.buffer_updated = self._buffer_to_data_received

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.data_received is not StreamReaderProtocol.data_received and (
            cls.buffer_updated is StreamReaderProtocol.buffer_updated
        ):
            cls.buffer_updated = StreamReaderProtocol._buffer_to_data_received  # type: ignore[method-assign]

    @property
    def _stream_reader(self) -> StreamReader | None:
        return self._reader

    def _replace_transport(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._over_ssl = transport.get_extra_info("sslcontext") is not None
        # The reader pauses and resumes the TLS transport from now on, not
        # the raw one beneath it (asyncio does so from 3.14).
        reader = self._reader
        if isinstance(reader, StreamReader):
            reader._replace_transport(transport)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        reader = self._reader
        if reader is not None:
            reader.set_transport(transport)
        self._over_ssl = transport.get_extra_info("sslcontext") is not None
        callback = self._client_connected_cb
        if callback is None:
            return
        writer = StreamWriter(transport, self, reader, self._loop)  # type: ignore[arg-type]
        try:
            result = callback(reader, writer)
        except Exception as exc:
            # A plain function that raises: reported and closed like a
            # coroutine that does, not left hanging (asyncio 3.14 does so).
            self._report_client_error(exc, transport)
            return
        if asyncio.iscoroutine(result):
            self._task = self._loop.create_task(result)
            self._task.add_done_callback(
                lambda task: self._client_done(task, transport)
            )

    def _client_done(self, task: asyncio.Task[None], transport: Any) -> None:
        if task.cancelled():
            transport.close()
            return
        exc = task.exception()
        if exc is not None:
            self._report_client_error(exc, transport)

    def _report_client_error(self, exc: BaseException, transport: Any) -> None:
        self._loop.call_exception_handler(
            {
                "message": "Unhandled exception in client_connected_cb",
                "exception": exc,
                "transport": transport,
            }
        )
        transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        reader = self._reader
        if reader is not None:
            if exc is None:
                reader.feed_eof()
            else:
                reader.set_exception(exc)
        closed = self._closed
        if not closed.done():
            if exc is None:
                closed.set_result(None)
            else:
                closed.set_exception(exc)
        super().connection_lost(exc)
        self._reader = None
        self._task = None
        self._transport = None

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._scratch

    def buffer_updated(self, nbytes: int) -> None:
        reader = self._reader
        if reader is not None:
            reader._feed(self._scratch[:nbytes])

    def _buffer_to_data_received(self, nbytes: int) -> None:
        self.data_received(bytes(self._scratch[:nbytes]))

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        if reader is not None:
            reader.feed_data(data)

    def eof_received(self) -> bool:
        reader = self._reader
        if reader is not None:
            reader.feed_eof()
        # Over TLS, returning True would only earn a warning from the
        # TLS transport: it closes on EOF anyway.
        return not self._over_ssl

    def _get_close_waiter(self, stream: object) -> asyncio.Future[None]:
        return self._closed

    def __del__(self) -> None:
        # A connection lost with an error that nobody awaited through
        # wait_closed() is not an "exception never retrieved".
        closed = getattr(self, "_closed", None)
        if closed is not None and closed.done() and not closed.cancelled():
            closed.exception()
