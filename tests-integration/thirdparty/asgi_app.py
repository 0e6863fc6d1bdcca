"""A bare ASGI app (no framework between the server and the loop), shared
by the uvicorn tests: JSON about each request, a streamed body, a websocket
echo, and the lifespan protocol."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from thirdparty.support import MIB, pattern

STREAMED = 4 * MIB


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app: no framework between uvicorn and the loop."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await websocket_echo(receive, send)
        return
    assert scope["type"] == "http"
    digest = hashlib.sha256()
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        digest.update(chunk)
        size += len(chunk)
        if scope["path"] == "/slow-upload" and size % MIB < len(chunk):
            # A slow app: uvicorn must pause reading the socket meanwhile.
            await asyncio.sleep(0.005)
        if not message.get("more_body"):
            break
    if scope["path"] == "/stream":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/octet-stream")],
            }
        )
        data = pattern(STREAMED, seed=5)
        step = 256 * 1024
        for start in range(0, STREAMED, step):
            await send(
                {
                    "type": "http.response.body",
                    "body": data[start : start + step],
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b""})
        return
    loop = asyncio.get_running_loop()
    body = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "scheme": scope["scheme"],
            "size": size,
            "sha256": digest.hexdigest(),
            "loop": f"{type(loop).__module__}.{type(loop).__qualname__}",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def websocket_echo(receive: Any, send: Any) -> None:
    message = await receive()
    assert message["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "close-4003":
            await send({"type": "websocket.close", "code": 4003, "reason": "asked"})
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
