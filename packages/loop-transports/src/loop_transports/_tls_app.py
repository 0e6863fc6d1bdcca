"""AppSide: the application's protocol, as a TLS connection sees it.

Which of its callbacks it has had (connection_made, eof_received and
connection_lost, each at most once and in that order) and the delivery of
plaintext to it: copied (``data_received``) or into its own buffer (a
BufferedProtocol). TLSProtocol owns one and calls it; it calls nothing
back: an error of the application's ``eof_received()`` is returned for
TLSProtocol to handle, any other propagates to it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ._tls_pump import RecordPump

__all__ = ["AppSide"]

logger = logging.getLogger("asyncio")

# Before connection_made, after it, after eof_received, after connection_lost.
INIT, MADE, EOF, LOST = range(4)


class AppSide:
    """One application protocol and where it is in its life."""

    __slots__ = ("_buffered", "_state", "protocol")

    def __init__(self, protocol: asyncio.BaseProtocol, *, made: bool) -> None:
        #: None once the connection is lost.
        self.protocol: Any = None
        self._buffered = False
        self._state = MADE if made else INIT
        self.set_protocol(protocol)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol
        self._buffered = isinstance(protocol, asyncio.BufferedProtocol)

    @property
    def is_made(self) -> bool:
        """connection_made() was called, connection_lost() not yet."""
        return self._state == MADE or self._state == EOF

    def connection_made(self, transport: asyncio.BaseTransport | None) -> None:
        if self._state == INIT:
            self._state = MADE
            self.protocol.connection_made(transport)

    def deliver(
        self,
        pump: RecordPump,
        loop: asyncio.AbstractEventLoop,
        again: Callable[[], object],
    ) -> bool:
        """Hand the application all the plaintext ``pump`` holds; True when
        the peer's close_notify came. A BufferedProtocol's buffer may fill
        first: then ``again`` is scheduled to deliver the rest."""
        protocol = self.protocol
        if not self._buffered:
            data, eof = pump.read()
            if data:
                protocol.data_received(data)
            return eof
        buf = memoryview(protocol.get_buffer(pump.incoming_size or -1)).cast("B")
        wants = len(buf)
        if not wants:
            raise RuntimeError("get_buffer() returned an empty buffer")
        count, eof = pump.read_into(buf)
        if count == wants and not eof and pump.has_input():
            loop.call_soon(again)  # before buffer_updated(), as it always was
        if count:
            protocol.buffer_updated(count)
        return eof

    def eof_received(self) -> BaseException | None:
        """Tell the application the peer is done (once); what its
        ``eof_received()`` raised, if anything."""
        try:
            if self._state == MADE:
                self._state = EOF
                if self.protocol.eof_received():
                    logger.warning(
                        "returning true from eof_received() "
                        "has no effect when using ssl"
                    )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            return exc
        return None

    def connection_lost(
        self, loop: asyncio.AbstractEventLoop, exc: BaseException | None
    ) -> None:
        """Schedule connection_lost() if connection_made() was called."""
        if self.is_made:
            self._state = LOST
            loop.call_soon(self.protocol.connection_lost, exc)

    def detach(self) -> None:
        """Let go of the protocol: the connection is gone."""
        self.protocol = None
