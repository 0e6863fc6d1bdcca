"""A raw ``asyncio.Protocol`` HTTP/1.1 responder: the loop's own cost.

No framework and no HTTP parser: each request is found by its blank line and
answered with a fixed "Hello, World!" response, keep-alive, pipelining
allowed. What is left is what the loop does per request: readiness, one
``recv``, one ``data_received`` call, one ``write``. It serves what wrk
sends, GET requests without a body; ``Connection: close`` is honoured so
that a plain client (and the test) can read to EOF.

    python benchmarks/http/server_raw.py --loop ours --port 8080 --cpu 0

This module imports nothing but asyncio at the top, so the integration test
can load it on its own.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import cast

BODY = b"Hello, World!"
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
RESPONSE = HEAD % len(BODY) + b"\r\n" + BODY
CLOSING_RESPONSE = HEAD % len(BODY) + b"Connection: close\r\n\r\n" + BODY
# A header block longer than this without its blank line is not from wrk.
MAX_HEADER = 64 * 1024


class HelloProtocol(asyncio.Protocol):
    """Answers every complete request in what has arrived with one write."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending = b""  # the start of a request whose blank line is not in yet

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A cast, not an isinstance check: uvloop's transports implement the
        # interface without subclassing asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        buffer = self.pending + data if self.pending else data
        start = 0
        replies = 0
        closing = False
        while (end := buffer.find(b"\r\n\r\n", start)) >= 0:
            closing = b"connection: close" in buffer[start:end].lower()
            start = end + 4
            replies += 1
            if closing:
                break
        self.pending = b"" if closing else buffer[start:]
        if replies:
            if closing:
                self.transport.write(RESPONSE * (replies - 1) + CLOSING_RESPONSE)
                self.transport.close()
                return
            self.transport.write(RESPONSE if replies == 1 else RESPONSE * replies)
        if len(self.pending) > MAX_HEADER:
            self.transport.close()


async def start(host: str, port: int) -> asyncio.Server:
    """A listening server on the running loop (port 0: any free one)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(HelloProtocol, host, port, backlog=4096)


async def serve(args: argparse.Namespace) -> None:
    import serving  # the driver's helpers; not needed to import this module

    server = await start(serving.HOST, args.port)
    serving.announce(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    import serving

    serving.run("A raw asyncio.Protocol HTTP/1.1 responder.", serve)
