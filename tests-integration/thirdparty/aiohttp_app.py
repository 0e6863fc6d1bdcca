"""The aiohttp application the aiohttp tests serve: plain, JSON and echo
routes, streamed upload/download, a file (sendfile), a request that waits
(graceful shutdown) and a websocket echo with close codes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from thirdparty.support import MIB, pattern

BIG = 10 * MIB
CHUNK = 64 * 1024
FILE_KEY = web.AppKey("file", Path)


class State:
    def __init__(self) -> None:
        self.slow_entered = asyncio.Event()
        self.slow_release = asyncio.Event()
        self.ws_closed_with: list[int | None] = []


def make_app(state: State) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/hello")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.query.get('name', '')}")

    @routes.get("/peer")
    async def peer(request: web.Request) -> web.Response:
        return web.Response(text=str(request.remote))

    @routes.post("/echo")
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    @routes.post("/json")
    async def add(request: web.Request) -> web.Response:
        data = await request.json()
        return web.json_response({"sum": data["a"] + data["b"], "n": len(data["xs"])})

    @routes.post("/upload")
    async def upload(request: web.Request) -> web.Response:
        # A slow consumer: the client must be held back by flow control,
        # not buffered without limit, and no byte may be lost.
        digest = hashlib.sha256()
        total = 0
        async for chunk in request.content.iter_chunked(CHUNK):
            digest.update(chunk)
            total += len(chunk)
            if total % (MIB) < CHUNK:
                await asyncio.sleep(0.005)
        return web.json_response({"sha256": digest.hexdigest(), "size": total})

    @routes.get("/download")
    async def download(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = BIG
        await resp.prepare(request)
        data = pattern(BIG, seed=2)
        for start in range(0, BIG, CHUNK):
            await resp.write(data[start : start + CHUNK])
        await resp.write_eof()
        return resp

    @routes.get("/file")
    async def file(request: web.Request) -> web.FileResponse:
        # FileResponse sends with loop.sendfile() (os.sendfile on plain
        # sockets, a read/write fallback under TLS).
        return web.FileResponse(request.app[FILE_KEY])

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        state.slow_entered.set()
        await state.slow_release.wait()
        return web.Response(text="finished")

    @routes.get("/ws")
    async def ws_echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * MIB)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                if msg.data.startswith("close:"):
                    await ws.close(code=int(msg.data[6:]), message=b"as asked")
                    break
                await ws.send_str(msg.data)
            elif msg.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        state.ws_closed_with.append(ws.close_code)
        return ws

    app = web.Application(client_max_size=BIG + MIB)
    app.add_routes(routes)
    return app


@asynccontextmanager
async def serving(
    state: State,
    *,
    where: str = "tcp",
    path: Path | None = None,
    ssl_context: Any = None,
    file: Path | None = None,
) -> AsyncIterator[str]:
    app = make_app(state)
    if file is not None:
        app[FILE_KEY] = file
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site: web.BaseSite
    if where == "unix":
        assert path is not None
        site = web.UnixSite(runner, str(path))
    elif where == "ipv6":
        site = web.TCPSite(runner, "::1", 0)
    else:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    try:
        if where == "unix":
            yield "http://localhost"
        elif where == "ipv6":
            yield f"http://[::1]:{runner.addresses[0][1]}"
        else:
            scheme = "https" if ssl_context else "http"
            yield f"{scheme}://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
