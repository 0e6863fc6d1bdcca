"""uvicorn serving an ASGI app inside the test's loop (Server.serve() as a
task; h11 and httptools parsers; TCP, TLS and Unix sockets; websockets),
driven by httpx's async client."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from thirdparty.asgi_app import STREAMED, app
from thirdparty.support import MIB, pattern

uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.timeout(60)

PARSERS = ["h11", "httptools"]


@asynccontextmanager
async def serving(http: str, **options: Any) -> AsyncIterator[tuple[Any, str]]:
    """uvicorn's Server.serve() as a task of the test's loop; options go to
    uvicorn.Config (``app=`` replaces the default app)."""
    if "uds" not in options:
        options = {"host": "127.0.0.1", "port": 0, **options}
    config = uvicorn.Config(
        options.pop("app", app),
        http=http,
        lifespan="on",
        # uvicorn's dictConfig would close pytest's own log handlers (and
        # their fd): leave logging as the test run set it.
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=5,
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    # uvicorn offers a flag, not an event: poll it (bounded by run()'s timeout).
    while not server.started:
        if task.done():
            task.result()
            pytest.fail("uvicorn stopped before it started")
        await asyncio.sleep(0.005)
    address = server.servers[0].sockets[0].getsockname()
    scheme = "https" if "ssl_certfile" in options else "http"
    if isinstance(address, tuple):
        base = f"{scheme}://127.0.0.1:{address[1]}"
    else:
        base = f"{scheme}://localhost"
    try:
        yield server, base
    finally:
        server.should_exit = True
        await task


async def exercise(base: str, client: Any, loop_name: str) -> None:
    r = await client.get(f"{base}/hello", params={"x": "1"})
    assert r.status_code == 200
    got = r.json()
    assert got["method"] == "GET"
    assert got["query"] == "x=1"
    assert got["loop"] == loop_name
    assert got["scheme"] == base.split(":")[0]

    body = pattern(MIB, seed=6)
    r = await client.post(f"{base}/upload", content=body)
    assert r.json()["size"] == MIB
    assert r.json()["sha256"] == hashlib.sha256(body).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, MIB, 100_000):
            yield body[start : start + 100_000]

    r = await client.post(f"{base}/chunked", content=chunks())
    assert r.json()["sha256"] == hashlib.sha256(body).hexdigest()

    digest = hashlib.sha256()
    async with client.stream("GET", f"{base}/stream") as r:
        assert r.status_code == 200
        async for chunk in r.aiter_bytes():
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(pattern(STREAMED, seed=5)).hexdigest()

    big = pattern(10 * MIB, seed=15)
    r = await client.post(f"{base}/slow-upload", content=big)
    assert r.json()["sha256"] == hashlib.sha256(big).hexdigest()

    # A slow reader: uvicorn's writes must wait for the socket to drain.
    digest = hashlib.sha256()
    total = 0
    async with client.stream("GET", f"{base}/stream") as r:
        async for chunk in r.aiter_bytes():
            digest.update(chunk)
            total += len(chunk)
            if total % MIB < len(chunk):
                await asyncio.sleep(0.005)
    assert digest.hexdigest() == hashlib.sha256(pattern(STREAMED, seed=5)).hexdigest()

    replies = await asyncio.gather(*(client.get(f"{base}/n/{i}") for i in range(50)))
    assert [reply.json()["path"] for reply in replies] == [f"/n/{i}" for i in range(50)]


def loop_name_of(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> str:
    probe = loop_factory()
    probe.close()
    return f"{type(probe).__module__}.{type(probe).__qualname__}"


@pytest.mark.parametrize("http", PARSERS)
def test_serve_http(
    run: Callable[..., Any],
    http: str,
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop_name = loop_name_of(loop_factory)

    async def main() -> None:
        async with serving(http) as (server, base):
            async with httpx.AsyncClient() as client:
                await exercise(base, client, loop_name)
            assert server.server_state.total_requests >= 54

    run(main)


@pytest.mark.parametrize("http", PARSERS)
def test_serve_https(
    run: Callable[..., Any],
    http: str,
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
    tls_files: dict[str, Any],
) -> None:
    loop_name = loop_name_of(loop_factory)

    async def main() -> None:
        async with (
            serving(
                http,
                ssl_certfile=str(tls_files["certfile"]),
                ssl_keyfile=str(tls_files["keyfile"]),
            ) as (_, base),
            httpx.AsyncClient(verify=tls_files["client_ctx"]) as client,
        ):
            await exercise(base, client, loop_name)

    run(main)


@pytest.mark.parametrize("http", PARSERS)
def test_serve_unix_socket(
    run: Callable[..., Any],
    http: str,
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
    short_tmp: Path,
) -> None:
    loop_name = loop_name_of(loop_factory)
    path = short_tmp / "uv.sock"

    async def main() -> None:
        async with serving(http, uds=str(path)) as (_, base):
            transport = httpx.AsyncHTTPTransport(uds=str(path))
            async with httpx.AsyncClient(transport=transport) as client:
                await exercise(base, client, loop_name)
        # The socket file is removed at close from 3.13 on, and left
        # before, on both loops.
        assert path.exists() == (sys.version_info < (3, 13))

    run(main)


def test_websocket_through_uvicorn(run: Callable[..., Any]) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async def main() -> None:
        async with serving("h11", ws="websockets-sansio") as (_, base):
            url = "ws" + base.removeprefix("http") + "/ws"
            async with connect(url, max_size=4 * MIB) as ws:
                for i in range(200):
                    await ws.send(f"t{i}")
                assert [await ws.recv() for _ in range(200)] == [
                    f"t{i}" for i in range(200)
                ]
                blob = pattern(MIB, seed=14)
                await ws.send(blob)
                assert await ws.recv() == blob
                await ws.send("close-4003")
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 4003
                assert ws.close_reason == "asked"

    run(main)


def test_graceful_shutdown_with_request_in_flight(run: Callable[..., Any]) -> None:
    async def main() -> None:
        entered = asyncio.Event()
        release = asyncio.Event()

        async def waiting_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/wait":
                entered.set()
                await release.wait()
                await send({"type": "http.response.start", "status": 200})
                await send({"type": "http.response.body", "body": b"done"})
                return
            await app(scope, receive, send)

        async with serving("h11", app=waiting_app) as (server, base):
            port = int(base.rsplit(":", 1)[1])
            async with httpx.AsyncClient() as client:
                pending = asyncio.ensure_future(client.get(f"{base}/wait"))
                await entered.wait()
                server.should_exit = True
                # uvicorn closes its listener first and keeps the request.
                for _ in range(500):
                    try:
                        _, writer = await asyncio.open_connection("127.0.0.1", port)
                    except (ConnectionRefusedError, ConnectionResetError):
                        break
                    writer.close()
                    await writer.wait_closed()
                    await asyncio.sleep(0.01)
                else:
                    pytest.fail("uvicorn kept listening after should_exit")
                assert not pending.done()
                release.set()
                reply = await pending
                assert reply.status_code == 200
                assert reply.text == "done"

    run(main)


@pytest.mark.parametrize("http", PARSERS)
def test_client_resets_connection(run: Callable[..., Any], http: str) -> None:
    """Clients that abort with RST mid-request and mid-response: uvicorn
    carries on, and nothing reaches the loop's exception handler."""
    import socket

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with serving(http) as (server, base):
            port = int(base.rsplit(":", 1)[1])
            for request in (
                b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n"
                + b"y" * 60000,
                b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
            ):
                for _ in range(3):
                    sock = socket.socket()
                    sock.setblocking(False)
                    await loop.sock_connect(sock, ("127.0.0.1", port))
                    await loop.sock_sendall(sock, request)
                    if b"/stream" in request:
                        await loop.sock_recv(sock, 65536)
                    sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2
                    )
                    sock.close()
            async with httpx.AsyncClient() as client:
                reply = await client.get(f"{base}/after")
                assert reply.json()["path"] == "/after"
            # Every reset connection was dropped (uvicorn only has a set
            # to look at, so poll it).
            for _ in range(200):
                if not server.server_state.connections:
                    break
                await asyncio.sleep(0.01)
            assert not server.server_state.connections

    run(main)
