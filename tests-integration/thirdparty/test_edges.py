"""The paths real servers take when peers misbehave: clients that vanish
mid-stream, timeouts, idle keep-alive connections the server drops, happy
eyeballs falling back from ::1, slow readers under TLS."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from thirdparty.support import MIB, ipv6_loopback_available, pattern

aiohttp = pytest.importorskip("aiohttp")
from aiohttp import web  # noqa: E402
from aiohttp.abc import AbstractResolver, ResolveResult  # noqa: E402

pytestmark = pytest.mark.timeout(60)

BIG = 10 * MIB
CHUNK = 64 * 1024


class Seen:
    def __init__(self) -> None:
        self.stream_ended = asyncio.Event()
        self.stream_error: list[BaseException] = []
        self.slow_cancelled = asyncio.Event()


def edge_app(seen: Seen) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/endless")
    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        block = pattern(CHUNK, seed=12)
        try:
            while True:
                await resp.write(block)
                # resp.write() only suspends while the transport is paused.
                # If the peer's reset lands while this loop runs, a TLS
                # transport (asyncio's as well as ours) keeps taking and
                # dropping writes, unpaused and not closing, until its
                # connection_lost() runs, which needs a turn of the loop.
                await asyncio.sleep(0)
        except (ConnectionError, asyncio.CancelledError) as exc:
            seen.stream_error.append(exc)
            raise
        finally:
            seen.stream_ended.set()

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.slow_cancelled.set()
            raise
        return web.Response(text="late")

    @routes.get("/big")
    async def big(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = BIG
        await resp.prepare(request)
        data = pattern(BIG, seed=13)
        for start in range(0, BIG, CHUNK):
            await resp.write(data[start : start + CHUNK])
        await resp.write_eof()
        return resp

    @routes.get("/hello")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.add_routes(routes)
    return app


@asynccontextmanager
async def serving(
    seen: Seen, host: str = "127.0.0.1", ssl_context: Any = None, **kwargs: Any
) -> AsyncIterator[int]:
    runner = web.AppRunner(edge_app(seen), handler_cancellation=True, **kwargs)
    await runner.setup()
    site = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_client_vanishes_mid_stream(
    run: Callable[..., Any], tls: bool, tls_files: dict[str, Any]
) -> None:
    """The client reads a little of an endless response and drops the
    connection: the server's write fails or is cancelled, nothing reaches
    the loop's exception handler, no fd stays open."""
    server_ctx = tls_files["server_ctx"] if tls else None
    client_ssl = tls_files["client_ctx"] if tls else None

    async def main() -> None:
        seen = Seen()
        async with serving(seen, ssl_context=server_ctx) as port:
            scheme = "https" if tls else "http"
            async with aiohttp.ClientSession() as session:
                r = await session.get(
                    f"{scheme}://127.0.0.1:{port}/endless", ssl=client_ssl
                )
                got = 0
                async for chunk in r.content.iter_chunked(CHUNK):
                    got += len(chunk)
                    if got > 2 * MIB:
                        break
                r.close()  # drops the connection instead of reusing it
            await seen.stream_ended.wait()
        assert len(seen.stream_error) == 1

    run(main)


def test_client_timeout_cancels_handler(run: Callable[..., Any]) -> None:
    async def main() -> None:
        seen = Seen()
        async with serving(seen) as port:
            timeout = aiohttp.ClientTimeout(sock_read=0.2)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                with pytest.raises(asyncio.TimeoutError):
                    async with session.get(f"http://127.0.0.1:{port}/slow") as r:
                        await r.read()
                # The connection is gone, so aiohttp cancels the handler.
                await seen.slow_cancelled.wait()
                async with session.get(f"http://127.0.0.1:{port}/hello") as r:
                    assert await r.text() == "hello"

    run(main)


def test_idle_keepalive_closed_by_server(run: Callable[..., Any]) -> None:
    """The server closes idle keep-alive connections; the client notices
    the EOF on its pooled connection and opens a new one."""

    async def main() -> None:
        async with serving(Seen(), keepalive_timeout=0.1) as port:
            async with aiohttp.ClientSession() as session:
                for _ in range(3):
                    async with session.get(f"http://127.0.0.1:{port}/hello") as r:
                        assert await r.text() == "hello"
                    # Waiting out the server's keep-alive timeout is the test.
                    await asyncio.sleep(0.3)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            assert await reader.readexactly(5) == b"hello"
            # The server ends the idle connection: EOF, not a hang.
            assert await reader.read() == b""
            writer.close()
            await writer.wait_closed()

    run(main)


@pytest.mark.skipif(not ipv6_loopback_available(), reason="::1 is not available")
def test_happy_eyeballs_falls_back_from_ipv6(run: Callable[..., Any]) -> None:
    """A server on 127.0.0.1 only, reached through a name that resolves to
    ::1 first: the refused IPv6 attempt must fall back to IPv4."""

    async def main() -> None:
        async with serving(Seen(), host="127.0.0.1") as port:
            loop = asyncio.get_running_loop()

            class TwoFamilies(AbstractResolver):
                async def resolve(
                    self, host: str, port: int = 0, family: int = 0
                ) -> list[ResolveResult]:
                    return [
                        {
                            "hostname": host,
                            "host": addr,
                            "port": port,
                            "family": fam,
                            "proto": 0,
                            "flags": socket.AI_NUMERICHOST,
                        }
                        for fam, addr in (
                            (socket.AF_INET6, "::1"),
                            (socket.AF_INET, "127.0.0.1"),
                        )
                    ]

                async def close(self) -> None:
                    pass

            connector = aiohttp.TCPConnector(
                resolver=TwoFamilies(), happy_eyeballs_delay=0.25
            )
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.get(f"http://twofamilies.test:{port}/hello") as r,
            ):
                assert await r.text() == "hello"
            # Plain create_connection through the resolver (where localhost
            # is ::1 first, this is the same fall-back in our own code).
            transport, _ = await loop.create_connection(
                asyncio.Protocol, "localhost", port, happy_eyeballs_delay=0.1
            )
            assert transport.get_extra_info("peername")[0] == "127.0.0.1"
            transport.close()

    run(main)


def test_https_download_slow_reader(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    """10 MiB through TLS to a reader that keeps stopping: reading must be
    paused and resumed under TLS without losing or reordering a byte."""
    expected = hashlib.sha256(pattern(BIG, seed=13)).hexdigest()

    async def main() -> None:
        async with (
            serving(Seen(), ssl_context=tls_files["server_ctx"]) as port,
            aiohttp.ClientSession() as session,
            session.get(
                f"https://127.0.0.1:{port}/big", ssl=tls_files["client_ctx"]
            ) as r,
        ):
            digest = hashlib.sha256()
            total = 0
            async for chunk in r.content.iter_chunked(CHUNK):
                digest.update(chunk)
                total += len(chunk)
                if total % MIB < CHUNK:
                    await asyncio.sleep(0.01)
        assert total == BIG
        assert digest.hexdigest() == expected

    run(main)


def test_https_200_concurrent(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    async def main() -> None:
        async with serving(Seen(), ssl_context=tls_files["server_ctx"]) as port:
            connector = aiohttp.TCPConnector(limit=0, ssl=tls_files["client_ctx"])
            async with aiohttp.ClientSession(connector=connector) as session:

                async def one() -> str:
                    async with session.get(f"https://127.0.0.1:{port}/hello") as r:
                        text: str = await r.text()
                        return text

                results = await asyncio.gather(*(one() for _ in range(200)))
        assert results == ["hello"] * 200

    run(main)


def reset_socket(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer sees RST, not FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
    sock.close()


@pytest.mark.parametrize("when", ["in-request", "in-response"])
def test_client_resets_connection(run: Callable[..., Any], when: str) -> None:
    """A client that aborts with RST half-way through its request body or
    the server's response: aiohttp's handler ends, the loop's exception
    handler hears nothing, the server keeps serving."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        seen = Seen()
        async with serving(seen) as port:
            for _ in range(5):
                sock = socket.socket()
                sock.setblocking(False)
                await loop.sock_connect(sock, ("127.0.0.1", port))
                if when == "in-request":
                    await loop.sock_sendall(
                        sock,
                        b"POST /hello HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 1000000\r\n\r\n" + b"x" * 50000,
                    )
                else:
                    seen.stream_ended.clear()
                    await loop.sock_sendall(
                        sock, b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"
                    )
                    got = 0
                    while got < MIB:
                        got += len(await loop.sock_recv(sock, CHUNK))
                reset_socket(sock)
                if when == "in-response":
                    await seen.stream_ended.wait()
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/hello") as r,
            ):
                assert await r.text() == "hello"
        if when == "in-response":
            assert len(seen.stream_error) == 5

    run(main)
