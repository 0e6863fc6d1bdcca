"""connect_read_pipe and connect_write_pipe: loop-core extension providers,
called as ``provider(loop, protocol_factory, pipe)``.

``pipe`` is a file-like object with ``fileno()`` (what asyncio accepts): a
pipe, a FIFO, a socket or a character device. A regular file is refused
with ValueError, as asyncio does: it is always "ready", so polling it
would spin. The transport owns the pipe and closes it when done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from ._pipe_transports import ReadPipeTransport, WritePipeTransport

__all__ = ["connect_read_pipe", "connect_write_pipe"]


async def connect_read_pipe(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    pipe: Any,
) -> tuple[asyncio.ReadTransport, asyncio.BaseProtocol]:
    """Read from ``pipe`` into a protocol made by ``protocol_factory``."""
    return await _connect(loop, ReadPipeTransport, protocol_factory, pipe)


async def connect_write_pipe(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    pipe: Any,
) -> tuple[asyncio.WriteTransport, asyncio.BaseProtocol]:
    """Write to ``pipe`` through a flow-controlled transport."""
    return await _connect(loop, WritePipeTransport, protocol_factory, pipe)


_T = TypeVar("_T", ReadPipeTransport, WritePipeTransport)


async def _connect(
    loop: asyncio.AbstractEventLoop,
    transport_class: type[_T],
    protocol_factory: Callable[[], asyncio.BaseProtocol],
    pipe: Any,
) -> tuple[_T, asyncio.BaseProtocol]:
    protocol = protocol_factory()
    # A file object, as asyncio takes (an int fd is an AttributeError there).
    pipe.fileno()
    waiter = loop.create_future()
    transport = transport_class(loop, pipe, protocol, waiter=waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol
