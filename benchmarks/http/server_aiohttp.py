"""aiohttp's "hello world" (``--body-size 65536``: the same with a 64 KiB
body): what a typical asyncio web application costs per request, and how
much of it is the loop.

    python benchmarks/http/server_aiohttp.py --loop ours --port 8080 --cpu 0

The body is made once; access logging is off (it would dominate and measure
the logging module, not the loop).
"""

from __future__ import annotations

import argparse
import asyncio

import serving
from aiohttp import web


def make_app(body: bytes) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


async def serve(args: argparse.Namespace) -> None:
    body = b"x" * args.body_size if args.body_size else b"Hello, World!"
    runner = web.AppRunner(make_app(body), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, serving.HOST, args.port, backlog=serving.BACKLOG)
    await site.start()
    try:
        serving.announce(runner.addresses[0][1])
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    serving.run("aiohttp hello world", serve)
