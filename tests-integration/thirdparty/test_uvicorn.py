"""uvicorn serving an ASGI app inside our loop (h11 and httptools parsers,
plain and TLS), driven by httpx's async client; and uvicorn's own runner
choosing our loop through ``Config(loop="loop_core:new_event_loop")``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from thirdparty.support import MIB, pattern

uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.timeout(60)

PARSERS = ["h11", "httptools"]
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
    assert scope["type"] == "http"
    digest = hashlib.sha256()
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        digest.update(chunk)
        size += len(chunk)
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


@asynccontextmanager
async def serving(http: str, **tls: Any) -> AsyncIterator[tuple[Any, str]]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http=http,
        lifespan="on",
        # uvicorn's dictConfig would close pytest's own log handlers (and
        # their fd): leave logging as the test run set it.
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=5,
        **tls,
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    # uvicorn offers a flag, not an event: poll it (bounded by run()'s timeout).
    while not server.started:
        if task.done():
            task.result()
            pytest.fail("uvicorn stopped before it started")
        await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    scheme = "https" if tls else "http"
    try:
        yield server, f"{scheme}://127.0.0.1:{port}"
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

    replies = await asyncio.gather(*(client.get(f"{base}/n/{i}") for i in range(50)))
    assert [reply.json()["path"] for reply in replies] == [
        f"/n/{i}" for i in range(50)
    ]


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
        async with serving(
            http,
            ssl_certfile=str(tls_files["certfile"]),
            ssl_keyfile=str(tls_files["keyfile"]),
        ) as (_, base):
            async with httpx.AsyncClient(verify=tls_files["client_ctx"]) as client:
                await exercise(base, client, loop_name)

    run(main)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("loop_core:new_event_loop", "loop_core._loop.EventLoop"),
        ("asyncio", None),
    ],
    ids=["loop_core", "asyncio"],
)
def test_config_loop_picks_our_factory(spec: str, expected: str | None) -> None:
    """uvicorn 0.36+ takes ``loop="module:callable"`` and calls it as the
    loop factory of its ``asyncio.run``; the server runs in a thread here
    the way ``uvicorn.run()`` runs in a process's main thread."""
    handler_calls: list[dict[str, Any]] = []

    async def watched(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # The loop is uvicorn's to make: watch its exception handler
            # from inside it, as the loop fixture does for the other tests.
            asyncio.get_running_loop().set_exception_handler(
                lambda _loop, context: handler_calls.append(context)
            )
        await app(scope, receive, send)

    config = uvicorn.Config(
        watched, host="127.0.0.1", port=0, loop=spec, log_config=None, log_level="warning"
    )
    if spec.startswith("loop_core"):
        import loop_core

        assert config.get_loop_factory() is loop_core.new_event_loop
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and thread.is_alive():
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client() as client:
            got = client.get(f"http://127.0.0.1:{port}/x").json()
            body = pattern(MIB, seed=7)
            posted = client.post(f"http://127.0.0.1:{port}/y", content=body).json()
    finally:
        server.should_exit = True
        thread.join(20)
    assert not thread.is_alive()
    if expected is None:
        assert not got["loop"].startswith("loop_core")
    else:
        assert got["loop"] == expected
    assert posted["sha256"] == hashlib.sha256(body).hexdigest()
    assert handler_calls == []
