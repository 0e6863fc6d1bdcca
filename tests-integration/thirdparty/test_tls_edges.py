"""aiohttp over TLS when the other side gets it wrong: plaintext to a TLS
port, a client that does not trust the server, a client that hangs up in
the handshake, and mutual TLS (the server reads the client's certificate
through ``get_extra_info``). A failed handshake is the peer's problem: it
must not reach the loop's exception handler (asyncio keeps it out too)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

aiohttp = pytest.importorskip("aiohttp")
trustme = pytest.importorskip("trustme")
from aiohttp import web  # noqa: E402

pytestmark = pytest.mark.timeout(60)


def tls_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        peercert = transport.get_extra_info("peercert")
        cipher = transport.get_extra_info("cipher")
        assert cipher is not None
        assert isinstance(transport.get_extra_info("ssl_object"), ssl.SSLObject)
        who = "anonymous"
        if peercert:
            who = dict(x[0] for x in peercert["subject"]).get("commonName", "?")
        return web.Response(text=f"hello {who}")

    app = web.Application()
    app.router.add_get("/hello", hello)
    return app


@asynccontextmanager
async def serving(ssl_context: ssl.SSLContext) -> AsyncIterator[int]:
    runner = web.AppRunner(tls_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def still_serves(port: int, client_ctx: ssl.SSLContext) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"https://127.0.0.1:{port}/hello", ssl=client_ctx) as r,
    ):
        assert await r.text() == "hello anonymous"


def test_plaintext_client_on_tls_port(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    async def main() -> None:
        async with serving(tls_files["server_ctx"]) as port:
            async with aiohttp.ClientSession() as session:
                with pytest.raises(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{port}/hello") as r:
                        await r.read()
            await still_serves(port, tls_files["client_ctx"])

    run(main)


def test_client_does_not_trust_server(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    async def main() -> None:
        other_ca = trustme.CA()
        untrusting = ssl.create_default_context()
        other_ca.configure_trust(untrusting)
        async with serving(tls_files["server_ctx"]) as port:
            async with aiohttp.ClientSession() as session:
                with pytest.raises(aiohttp.ClientConnectorCertificateError) as info:
                    await session.get(f"https://127.0.0.1:{port}/hello", ssl=untrusting)
                assert isinstance(
                    info.value.certificate_error, ssl.SSLCertVerificationError
                )
            await still_serves(port, tls_files["client_ctx"])

    run(main)


def test_client_hangs_up_in_handshake(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with serving(tls_files["server_ctx"]) as port:
            for send_hello in (False, True):
                sock = socket.socket()
                sock.setblocking(False)
                await loop.sock_connect(sock, ("127.0.0.1", port))
                if send_hello:
                    # The start of a ClientHello, then nothing more.
                    await loop.sock_sendall(
                        sock, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                    )
                sock.close()
            await still_serves(port, tls_files["client_ctx"])

    run(main)


def test_mutual_tls_peercert(
    run: Callable[..., Any], tls_files: dict[str, Any]
) -> None:
    async def main() -> None:
        ca = trustme.CA()
        server_cert = ca.issue_cert("127.0.0.1")
        client_cert = ca.issue_cert("client.example", common_name="client.example")
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_cert.configure_cert(server_ctx)
        ca.configure_trust(server_ctx)
        server_ctx.verify_mode = ssl.CERT_REQUIRED
        client_ctx = ssl.create_default_context()
        ca.configure_trust(client_ctx)
        client_cert.configure_cert(client_ctx)
        no_cert_ctx = ssl.create_default_context()
        ca.configure_trust(no_cert_ctx)
        async with serving(server_ctx) as port:
            url = f"https://127.0.0.1:{port}/hello"
            async with (
                aiohttp.ClientSession() as session,
                session.get(url, ssl=client_ctx) as r,
            ):
                assert await r.text() == "hello client.example"
            async with aiohttp.ClientSession() as session:
                # TLS 1.3: the missing certificate is refused after the
                # client's handshake is done, so the error comes later.
                with pytest.raises((aiohttp.ClientError, ssl.SSLError)):
                    async with session.get(url, ssl=no_cert_ctx) as r:
                        await r.read()

    run(main)
