"""aiohttp's server and client, unchanged, on our loop and on asyncio's."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from thirdparty.support import MIB, ipv6_loopback_available, pattern

aiohttp = pytest.importorskip("aiohttp")
from aiohttp import web  # noqa: E402
from thirdparty.aiohttp_app import BIG, CHUNK, State, make_app, serving  # noqa: E402

pytestmark = pytest.mark.timeout(60)


def test_get_post_json(run: Callable[..., Any]) -> None:
    async def main() -> None:
        state = State()
        async with serving(state) as base, aiohttp.ClientSession() as session:
            async with session.get(f"{base}/hello", params={"name": "loop"}) as r:
                assert r.status == 200
                assert await r.text() == "hello loop"
            body = bytes(range(256)) * 100
            async with session.post(f"{base}/echo", data=body) as r:
                assert await r.read() == body
            async with session.post(
                f"{base}/json", json={"a": 2, "b": 40, "xs": list(range(1000))}
            ) as r:
                assert r.content_type == "application/json"
                assert await r.json() == {"sum": 42, "n": 1000}
            async with session.get(f"{base}/missing") as r:
                assert r.status == 404

    run(main)


def test_streamed_upload_slow_consumer(run: Callable[..., Any]) -> None:
    data = pattern(BIG, seed=1)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, BIG, CHUNK):
            yield data[start : start + CHUNK]

    async def main() -> None:
        async with (
            serving(State()) as base,
            aiohttp.ClientSession() as session,
            session.post(f"{base}/upload", data=chunks()) as r,
        ):
            assert r.status == 200
            result = await r.json()
        assert result == {"sha256": hashlib.sha256(data).hexdigest(), "size": BIG}

    run(main)


def test_streamed_download_slow_consumer(run: Callable[..., Any]) -> None:
    expected = hashlib.sha256(pattern(BIG, seed=2)).hexdigest()

    async def main() -> None:
        async with (
            serving(State()) as base,
            aiohttp.ClientSession() as session,
            session.get(f"{base}/download") as r,
        ):
            assert r.status == 200
            assert r.content_length == BIG
            digest = hashlib.sha256()
            total = 0
            async for chunk in r.content.iter_chunked(CHUNK):
                digest.update(chunk)
                total += len(chunk)
                if total % MIB < CHUNK:
                    await asyncio.sleep(0.005)
        assert total == BIG
        assert digest.hexdigest() == expected

    run(main)


def test_websocket_echo_and_close_codes(run: Callable[..., Any]) -> None:
    async def main() -> None:
        state = State()
        async with serving(state) as base, aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{base}/ws", max_msg_size=4 * MIB) as ws:
                for i in range(100):
                    await ws.send_str(f"message {i}")
                for i in range(100):
                    assert await ws.receive_str() == f"message {i}"
                blob = pattern(MIB, seed=3)
                await ws.send_bytes(blob)
                assert await ws.receive_bytes() == blob
                # The client closes: a normal closure seen by both ends.
                await ws.close(code=1000, message=b"done")
                assert ws.close_code == 1000
            async with session.ws_connect(f"{base}/ws") as ws:
                # The server closes with an application code.
                await ws.send_str("close:4001")
                msg = await ws.receive()
                assert msg.type == aiohttp.WSMsgType.CLOSE
                assert msg.data == 4001
                assert msg.extra == "as asked"
                await ws.close()
                assert ws.close_code == 4001
            for _ in range(100):
                if len(state.ws_closed_with) == 2:
                    break
                await asyncio.sleep(0.01)
            # The server saw the client's normal closure, then its own.
            assert len(state.ws_closed_with) == 2
            assert state.ws_closed_with[0] == 1000

    run(main)


def test_200_concurrent_requests(run: Callable[..., Any]) -> None:
    async def main() -> None:
        async with serving(State()) as base:
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as session:

                async def one(i: int) -> str:
                    async with session.post(f"{base}/echo", data=f"req {i}") as r:
                        assert r.status == 200
                        text: str = await r.text()
                        return text

                results = await asyncio.gather(*(one(i) for i in range(200)))
        assert results == [f"req {i}" for i in range(200)]

    run(main)


def test_graceful_shutdown_with_request_in_flight(run: Callable[..., Any]) -> None:
    async def main() -> None:
        state = State()
        runner = web.AppRunner(make_app(state), shutdown_timeout=10)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session:

            async def fetch() -> tuple[int, str]:
                async with session.get(f"{base}/slow") as r:
                    return r.status, await r.text()

            in_flight = asyncio.ensure_future(fetch())
            await state.slow_entered.wait()
            cleanup = asyncio.ensure_future(runner.cleanup())
            # The listener goes away first; the request keeps running.
            for _ in range(200):
                try:
                    _reader, writer = await asyncio.open_connection(
                        "127.0.0.1", runner_port(base)
                    )
                except (ConnectionRefusedError, ConnectionResetError):
                    break
                writer.close()
                await writer.wait_closed()
                await asyncio.sleep(0.01)
            else:
                pytest.fail("the listening socket was not closed")
            assert not cleanup.done()
            assert not in_flight.done()
            state.slow_release.set()
            assert await in_flight == (200, "finished")
            await cleanup

    run(main)


def runner_port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def test_unix_socket_site(run: Callable[..., Any], short_tmp: Path) -> None:
    path = short_tmp / "aio.sock"

    async def main() -> None:
        async with serving(State(), where="unix", path=path) as base:
            assert path.exists()
            connector = aiohttp.UnixConnector(path=str(path))
            async with aiohttp.ClientSession(connector=connector) as session:
                async with session.post(
                    f"{base}/json", json={"a": 1, "b": 2, "xs": []}
                ) as r:
                    assert await r.json() == {"sum": 3, "n": 0}
                async with session.ws_connect(f"{base}/ws") as ws:
                    await ws.send_str("over unix")
                    assert await ws.receive_str() == "over unix"

    run(main)


@pytest.mark.skipif(not ipv6_loopback_available(), reason="::1 is not available")
def test_ipv6_site(run: Callable[..., Any]) -> None:
    async def main() -> None:
        async with (
            serving(State(), where="ipv6") as base,
            aiohttp.ClientSession() as session,
        ):
            async with session.get(f"{base}/hello", params={"name": "v6"}) as r:
                assert r.status == 200
                assert await r.text() == "hello v6"
            async with session.get(f"{base}/peer") as r:
                assert await r.text() == "::1"

    run(main)


def test_json_roundtrip_large(run: Callable[..., Any]) -> None:
    """A body larger than one socket read, parsed by aiohttp's JSON path."""
    payload = {"a": 1, "b": 1, "xs": [{"k": "v" * 50}] * 20000}

    async def main() -> None:
        async with (
            serving(State()) as base,
            aiohttp.ClientSession() as session,
            session.post(
                f"{base}/json", data=io.BytesIO(json.dumps(payload).encode())
            ) as r,
        ):
            assert await r.json() == {"sum": 2, "n": 20000}

    run(main)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_file_response_sendfile(
    run: Callable[..., Any],
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tls: bool,
    tls_files: dict[str, Any],
) -> None:
    data = pattern(BIG + 12345, seed=8)
    path = tmp_path / "payload.bin"
    path.write_bytes(data)
    server_ctx = tls_files["server_ctx"] if tls else None
    client_ssl = tls_files["client_ctx"] if tls else None

    if "loop_core" in request.node.callspec.id:
        import loop_core

        if "sendfile" not in loop_core.extensions.available():
            request.applymarker(
                pytest.mark.xfail(
                    strict=False, reason="loop.sendfile() is not in loop-transports yet"
                )
            )
    sendfile_calls: list[BaseException | int] = []

    async def main() -> None:
        # aiohttp quietly falls back to plain writes when loop.sendfile()
        # raises NotImplementedError: watch that it is really used.
        loop = asyncio.get_running_loop()
        real_sendfile = loop.sendfile

        async def spy(*args: Any, **kwargs: Any) -> int:
            try:
                sent = await real_sendfile(*args, **kwargs)
            except BaseException as exc:
                sendfile_calls.append(exc)
                raise
            sendfile_calls.append(sent)
            return sent

        loop.sendfile = spy  # type: ignore[method-assign]
        async with (
            serving(State(), ssl_context=server_ctx, file=path) as base,
            aiohttp.ClientSession() as session,
        ):
            async with session.get(f"{base}/file", ssl=client_ssl) as r:
                assert r.status == 200
                assert r.content_length == len(data)
                digest = hashlib.sha256()
                async for chunk in r.content.iter_chunked(CHUNK):
                    digest.update(chunk)
            # A range request: sendfile from an offset.
            headers = {"Range": "bytes=1000-2999999"}
            async with session.get(
                f"{base}/file", ssl=client_ssl, headers=headers
            ) as r:
                assert r.status == 206
                assert await r.read() == data[1000:3000000]
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()

    run(main)
    assert sendfile_calls == [len(data), 3000000 - 1000]


def test_https_round_trips(run: Callable[..., Any], tls_files: dict[str, Any]) -> None:
    data = pattern(BIG, seed=9)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, BIG, CHUNK):
            yield data[start : start + CHUNK]

    async def main() -> None:
        ssl_ctx = tls_files["client_ctx"]
        async with (
            serving(State(), ssl_context=tls_files["server_ctx"]) as base,
            aiohttp.ClientSession() as session,
        ):
            async with session.get(f"{base}/hello", ssl=ssl_ctx) as r:
                assert await r.text() == "hello "
            async with session.post(f"{base}/upload", data=chunks(), ssl=ssl_ctx) as r:
                assert await r.json() == {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": BIG,
                }
            async with session.ws_connect(f"{base}/ws", ssl=ssl_ctx) as ws:
                blob = pattern(MIB, seed=10)
                await ws.send_bytes(blob)
                assert await ws.receive_bytes() == blob
                await ws.close()

    run(main)
