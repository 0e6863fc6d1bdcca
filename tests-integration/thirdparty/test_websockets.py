"""The websockets library (its new asyncio API), unchanged, on our loop and
on asyncio's."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from thirdparty.support import MIB, pattern

pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import ServerConnection, serve  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

pytestmark = pytest.mark.timeout(60)


async def echo(ws: ServerConnection) -> None:
    try:
        async for message in ws:
            if message == "close-4000":
                await ws.close(4000, "server says bye")
                return
            await ws.send(message)
    except ConnectionClosed:
        pass


def url_of(server: Any) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"ws://{host}:{port}"


def test_thousand_messages_in_order(run: Callable[..., Any]) -> None:
    async def main() -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            connect(url_of(server)) as ws,
        ):

            async def sender() -> None:
                for i in range(1000):
                    await ws.send(f"m{i}" if i % 2 else f"m{i}".encode())

            send = asyncio.ensure_future(sender())
            received = [await ws.recv() for _ in range(1000)]
            await send
        assert received == [f"m{i}" if i % 2 else f"m{i}".encode() for i in range(1000)]

    run(main)


def test_8_mib_frame(run: Callable[..., Any]) -> None:
    blob = pattern(8 * MIB, seed=4)

    async def main() -> None:
        async with (
            serve(echo, "127.0.0.1", 0, max_size=16 * MIB) as server,
            connect(url_of(server), max_size=16 * MIB) as ws,
        ):
            await ws.send(blob)
            back = await ws.recv()
        assert isinstance(back, bytes)
        assert hashlib.sha256(back).digest() == hashlib.sha256(blob).digest()

    run(main)


def test_ping_pong(run: Callable[..., Any]) -> None:
    async def main() -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ping_interval=None) as server,
            connect(url_of(server), ping_interval=None) as ws,
        ):
            for i in range(5):
                pong = await ws.ping(f"p{i}".encode())
                latency = await pong
                assert latency >= 0
            # Pings interleave with data without disturbing it.
            await ws.send("after pings")
            assert await ws.recv() == "after pings"

    run(main)


def test_close_handshake_codes(run: Callable[..., Any]) -> None:
    async def main() -> None:
        seen: list[tuple[int | None, str | None]] = []

        async def handler(ws: ServerConnection) -> None:
            await echo(ws)
            await ws.wait_closed()
            seen.append((ws.close_code, ws.close_reason))

        async with serve(handler, "127.0.0.1", 0) as server:
            # The client starts the closing handshake.
            async with connect(url_of(server)) as ws:
                await ws.send("hi")
                assert await ws.recv() == "hi"
                await ws.close(1000, "client done")
                assert ws.close_code == 1000
            # The server starts it with an application code.
            async with connect(url_of(server)) as ws:
                await ws.send("close-4000")
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert info.value.rcvd is not None
                assert info.value.rcvd.code == 4000
                assert info.value.rcvd.reason == "server says bye"
                assert ws.close_code == 4000
            for _ in range(100):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.01)
        assert seen == [(1000, "client done"), (4000, "server says bye")]

    run(main)


def test_fifty_clients_then_server_close(run: Callable[..., Any]) -> None:
    async def main() -> None:
        server = await serve(echo, "127.0.0.1", 0)
        url = url_of(server)
        clients = [await connect(url) for _ in range(50)]
        try:
            replies = []
            for i, ws in enumerate(clients):
                await ws.send(f"client {i}")
            for ws in clients:
                replies.append(await ws.recv())
            assert replies == [f"client {i}" for i in range(50)]
            server.close()
            await server.wait_closed()
            for ws in clients:
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                # 1001: going away, the code a closing server sends.
                assert ws.close_code == 1001
        finally:
            for ws in clients:
                await ws.close()

    run(main)


def test_wss_over_tls(run: Callable[..., Any], tls_files: dict[str, Any]) -> None:
    blob = pattern(2 * MIB, seed=11)

    async def main() -> None:
        async with serve(
            echo, "127.0.0.1", 0, ssl=tls_files["server_ctx"], max_size=4 * MIB
        ) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(
                f"wss://localhost:{port}",
                ssl=tls_files["client_ctx"],
                host="127.0.0.1",
                port=port,
                max_size=4 * MIB,
            ) as ws:
                for i in range(100):
                    await ws.send(f"secure {i}")
                assert [await ws.recv() for _ in range(100)] == [
                    f"secure {i}" for i in range(100)
                ]
                await ws.send(blob)
                assert await ws.recv() == blob
                await ws.send("close-4000")
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 4000

    run(main)
