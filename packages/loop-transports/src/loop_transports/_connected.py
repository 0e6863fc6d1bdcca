"""A connected stream socket becomes a transport, plain or TLS: the last
step of ``create_connection``, ``connect_accepted_socket`` and
``create_unix_connection``.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._socket_transport import SocketTransport

if TYPE_CHECKING:
    from .tls import TLSOptions

__all__ = ["CLOSE_PASSED_SOCKET", "make_transport"]

ProtocolFactory = Callable[[], asyncio.BaseProtocol]

# A socket whose transport cannot be made (the protocol factory raises, a
# TLS argument is refused): 3.14 closes it (gh-153133); before, a socket the
# caller passed in stayed open, the caller's to close. Ours are always closed.
CLOSE_PASSED_SOCKET = sys.version_info >= (3, 14)


async def make_transport(
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    protocol_factory: ProtocolFactory,
    tls_factory: Callable[[], TLSOptions | None],
    *,
    passed: bool,
) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
    """The transport and protocol over connected ``sock``; ``passed`` says
    whether the caller handed the socket in (``sock=``) or we made it.

    ``tls_factory`` is called after the protocol factory, as asyncio makes
    its TLS protocol; it may still refuse a TLS argument (see ``_tls_args``).
    """
    try:
        sock.setblocking(False)
        protocol = protocol_factory()
        tls = tls_factory()
        waiter: asyncio.Future[None] = loop.create_future()
        transport: asyncio.Transport
        if tls is None:
            transport = SocketTransport(loop, sock, protocol, waiter=waiter)
        else:
            transport = tls.wrap(loop, sock, protocol, waiter, SocketTransport)
    except BaseException:
        if CLOSE_PASSED_SOCKET or not passed:
            sock.close()
        raise
    try:
        await waiter
    except BaseException:
        transport.close()
        # The error's traceback holds this frame, and the future holds the
        # error: no cycle once the caller drops it.
        del waiter
        raise
    return transport, protocol
