"""TLS for loop-transports: ``start_tls`` and the options every
``ssl=`` argument turns into.

``start_tls`` is a loop-core extension provider, called as
``provider(loop, transport, protocol, sslcontext, ...)``. The connection
and server entry points build a ``TLSOptions`` (through
``_tls_args.tls_options``) and let it wrap each new socket: the socket gets
a plain SocketTransport whose protocol is a TLSProtocol, and the
application gets the TLSProtocol's SSLTransport once the handshake is done.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from typing import Any

from ._tls_args import check_tls_args
from ._tls_protocol import TLSProtocol
from ._tls_transport import SSLTransport

__all__ = ["SSLTransport", "TLSOptions", "TLSProtocol", "start_tls"]

RawTransportFactory = Callable[..., asyncio.Transport]


class TLSOptions:
    """The checked ``ssl=`` arguments of one connection or server."""

    __slots__ = (
        "context",
        "handshake_timeout",
        "server_hostname",
        "server_side",
        "shutdown_timeout",
    )

    def __init__(
        self,
        context: ssl.SSLContext | None,
        *,
        server_side: bool,
        server_hostname: str | None,
        handshake_timeout: float | None,
        shutdown_timeout: float | None,
    ) -> None:
        if context is None:
            if server_side:
                raise ValueError("Server side SSL needs a valid SSLContext")
            context = ssl.create_default_context()
            if not server_hostname:
                # '' (or no name): no name to match, the chain is still verified.
                context.check_hostname = False
        self.context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.handshake_timeout = handshake_timeout
        self.shutdown_timeout = shutdown_timeout

    def protocol(
        self,
        loop: asyncio.AbstractEventLoop,
        app_protocol: asyncio.BaseProtocol,
        waiter: asyncio.Future[None] | None,
    ) -> TLSProtocol:
        return TLSProtocol(
            loop,
            app_protocol,
            self.context,
            waiter,
            server_side=self.server_side,
            server_hostname=self.server_hostname,
            handshake_timeout=self.handshake_timeout,
            shutdown_timeout=self.shutdown_timeout,
        )

    def wrap(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        app_protocol: asyncio.BaseProtocol,
        waiter: asyncio.Future[None],
        raw_factory: RawTransportFactory,
    ) -> asyncio.Transport:
        """The app transport over ``sock``; ``waiter`` resolves when the
        handshake ends. If this fails, the caller decides about ``sock``."""
        tls = self.protocol(loop, app_protocol, waiter)
        raw_factory(loop, sock, tls)
        assert tls.transport is not None
        return tls.transport

    def wrap_accepted(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        app_protocol: asyncio.BaseProtocol,
        raw_factory: RawTransportFactory,
    ) -> asyncio.Transport:
        """A server's connection: a failed handshake only closes it, and is
        reported in debug mode only, as asyncio's servers do."""
        waiter = loop.create_future()
        tls = self.protocol(loop, app_protocol, waiter)
        raw = raw_factory(loop, sock, tls)
        waiter.add_done_callback(_accept_reporter(loop, app_protocol, tls.transport))
        return raw


def _accept_reporter(
    loop: asyncio.AbstractEventLoop,
    protocol: asyncio.BaseProtocol,
    transport: SSLTransport | None,
) -> Callable[[asyncio.Future[None]], None]:
    def report(waiter: asyncio.Future[None]) -> None:
        if waiter.cancelled():
            return
        exc = waiter.exception()
        if exc is None:
            return
        if transport is not None:
            transport.close()
        if loop.get_debug():
            loop.call_exception_handler(
                {
                    "message": "Error on transport creation for incoming connection",
                    "exception": exc,
                    "protocol": protocol,
                    "transport": transport,
                }
            )

    return report


def _take_stream_buffer(protocol: asyncio.BaseProtocol, tls: TLSProtocol) -> None:
    """Hand the TLS protocol what a stream server read but did not consume.

    A server that reads a line and then upgrades may already hold the
    client's first handshake bytes in its StreamReader; left there, they
    are lost and the handshake hangs (CPython gh-142352). StreamReaderProtocol
    (asyncio's, loop-streams', any that keeps the names) exposes its reader
    as ``_stream_reader``, which keeps unread bytes in a ``_buffer`` bytearray.
    """
    reader = getattr(protocol, "_stream_reader", None)
    buffer = getattr(reader, "_buffer", None)
    if isinstance(buffer, bytearray) and buffer:
        tls.received_early(buffer)
        buffer.clear()


async def start_tls(
    loop: asyncio.AbstractEventLoop,
    transport: asyncio.BaseTransport,
    protocol: asyncio.BaseProtocol,
    sslcontext: ssl.SSLContext,
    *,
    server_side: bool = False,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
) -> asyncio.Transport | None:
    """asyncio's ``loop.start_tls()``: the handshake runs over ``transport``,
    which from then on belongs to the returned TLS transport."""
    if not isinstance(sslcontext, ssl.SSLContext):
        raise TypeError(
            "sslcontext is expected to be an instance of ssl.SSLContext, "
            f"got {sslcontext!r}"
        )
    if not getattr(transport, "_start_tls_compatible", False):
        raise TypeError(f"transport {transport!r} is not supported by start_tls()")
    check_tls_args(True, ssl_handshake_timeout, ssl_shutdown_timeout)
    raw: Any = transport
    waiter: asyncio.Future[None] = loop.create_future()
    tls = TLSProtocol(
        loop,
        protocol,
        sslcontext,
        waiter,
        server_side=server_side,
        server_hostname=server_hostname,
        call_connection_made=False,
        handshake_timeout=ssl_handshake_timeout,
        shutdown_timeout=ssl_shutdown_timeout,
    )
    # Nothing may reach the TLS protocol before its connection_made().
    raw.pause_reading()
    if server_side:
        _take_stream_buffer(protocol, tls)
    raw.set_protocol(tls)
    made = loop.call_soon(tls.connection_made, raw)
    resumed = loop.call_soon(raw.resume_reading)
    try:
        await waiter
    except BaseException:
        raw.close()
        made.cancel()
        resumed.cancel()
        del waiter  # no cycle through the failed future (see connections)
        raise
    # A transport closed before the handshake: connection_lost(None) woke
    # the waiter without an error and there is no TLS transport. asyncio
    # returns None then (ssl_protocol._app_transport), and callers such as
    # aiohttp's connector check for it.
    return tls.transport
