"""open_connection / start_server and their Unix-socket twins.

Thin: each makes a StreamReader and a StreamReaderProtocol and asks the
running loop for the transport (``create_connection`` & co., which
loop-transports provides on our loop), so they work on any asyncio loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._protocol import ClientConnectedCallback, StreamReaderProtocol
from ._reader import DEFAULT_LIMIT, StreamReader
from ._writer import StreamWriter

__all__ = [
    "open_connection",
    "open_unix_connection",
    "start_server",
    "start_unix_server",
]


async def open_connection(
    host: Any = None, port: Any = None, *, limit: int = DEFAULT_LIMIT, **kwds: Any
) -> tuple[StreamReader, StreamWriter]:
    """Connect over TCP; ``kwds`` are ``loop.create_connection()``'s."""
    loop = asyncio.get_running_loop()
    reader = StreamReader(limit=limit, loop=loop)
    protocol = StreamReaderProtocol(reader, loop=loop)
    transport, _ = await loop.create_connection(lambda: protocol, host, port, **kwds)
    return reader, StreamWriter(transport, protocol, reader, loop)


async def start_server(
    client_connected_cb: ClientConnectedCallback,
    host: Any = None,
    port: Any = None,
    *,
    limit: int = DEFAULT_LIMIT,
    **kwds: Any,
) -> asyncio.AbstractServer:
    """Serve TCP; ``client_connected_cb(reader, writer)`` runs (as a task
    when it is a coroutine function) for each client."""
    loop = asyncio.get_running_loop()

    def factory() -> StreamReaderProtocol:
        reader = StreamReader(limit=limit, loop=loop)
        return StreamReaderProtocol(reader, client_connected_cb, loop=loop)

    return await loop.create_server(factory, host, port, **kwds)


async def open_unix_connection(
    path: Any = None, *, limit: int = DEFAULT_LIMIT, **kwds: Any
) -> tuple[StreamReader, StreamWriter]:
    """Connect to a Unix socket; ``kwds`` are ``create_unix_connection()``'s."""
    loop = asyncio.get_running_loop()
    reader = StreamReader(limit=limit, loop=loop)
    protocol = StreamReaderProtocol(reader, loop=loop)
    transport, _ = await loop.create_unix_connection(lambda: protocol, path, **kwds)
    return reader, StreamWriter(transport, protocol, reader, loop)


async def start_unix_server(
    client_connected_cb: ClientConnectedCallback,
    path: Any = None,
    *,
    limit: int = DEFAULT_LIMIT,
    **kwds: Any,
) -> asyncio.AbstractServer:
    """Serve on a Unix socket, like start_server()."""
    loop = asyncio.get_running_loop()

    def factory() -> StreamReaderProtocol:
        reader = StreamReader(limit=limit, loop=loop)
        return StreamReaderProtocol(reader, client_connected_cb, loop=loop)

    return await loop.create_unix_server(factory, path, **kwds)
