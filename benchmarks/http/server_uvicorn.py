"""uvicorn with its httptools parser, serving a bare ASGI "hello": the
fastest common asyncio HTTP stack, where the loop is the largest share.

    python benchmarks/http/server_uvicorn.py --loop ours --port 8080 --cpu 0

uvicorn is told ``loop="none"`` so it keeps the loop this process chose;
lifespan events and the access log are off.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import serving
import uvicorn

BODY = b"Hello, World!"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(BODY))]


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def serve(args: argparse.Namespace) -> None:
    config = uvicorn.Config(
        app,
        host=serving.HOST,
        port=args.port,
        http="httptools",
        loop="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        backlog=serving.BACKLOG,
    )
    server = uvicorn.Server(config)

    async def announce_when_started() -> None:
        while not server.started:
            await asyncio.sleep(0.01)
        serving.announce(server.servers[0].sockets[0].getsockname()[1])

    announcer = asyncio.create_task(announce_when_started())
    await server.serve()
    announcer.cancel()


if __name__ == "__main__":
    serving.run("uvicorn + httptools ASGI hello", serve)
