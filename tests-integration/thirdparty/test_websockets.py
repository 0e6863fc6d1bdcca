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
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

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
            for i, ws in enumerate(clients):
                await ws.send(f"client {i}")
            replies = [await ws.recv() for ws in clients]
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


def test_broadcast_to_fifty_clients(run: Callable[..., Any]) -> None:
    from websockets.asyncio.server import broadcast

    async def main() -> None:
        connected: set[ServerConnection] = set()
        all_in = asyncio.Event()

        async def handler(ws: ServerConnection) -> None:
            connected.add(ws)
            if len(connected) == 50:
                all_in.set()
            await ws.wait_closed()

        async with serve(handler, "127.0.0.1", 0) as server:
            clients = [await connect(url_of(server)) for _ in range(50)]
            await all_in.wait()
            for i in range(300):
                broadcast(connected, f"news {i}")
            for ws in clients:
                assert [await ws.recv() for _ in range(300)] == [
                    f"news {i}" for i in range(300)
                ]
            for ws in clients:
                await ws.close()

    run(main)


def test_unix_socket_echo(run: Callable[..., Any], short_tmp: Any) -> None:
    from websockets.asyncio.client import unix_connect
    from websockets.asyncio.server import unix_serve

    path = str(short_tmp / "ws.sock")

    async def main() -> None:
        async with (
            unix_serve(echo, path) as server,
            unix_connect(path, "ws://localhost/") as ws,
        ):
            for i in range(100):
                await ws.send(f"u{i}")
            assert [await ws.recv() for _ in range(100)] == [
                f"u{i}" for i in range(100)
            ]
            server.close()
            await server.wait_closed()
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1001

    run(main)


def test_connect_refused(run: Callable[..., Any]) -> None:
    """What a client sees when nobody listens: the same OSError subclass
    and errno on both loops."""
    import errno
    import socket

    async def main() -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            with pytest.raises(OSError) as info:
                await connect(f"ws://127.0.0.1:{port}", open_timeout=5)
        exc = info.value
        # websockets may wrap it; find the OSError the loop raised.
        while not isinstance(exc, ConnectionRefusedError) and exc.__cause__:
            exc = exc.__cause__  # type: ignore[assignment]
        assert isinstance(exc, ConnectionRefusedError), repr(info.value)
        assert exc.errno == errno.ECONNREFUSED

    run(main)


def test_keepalive_timeout_with_silent_peer(run: Callable[..., Any]) -> None:
    """A peer that completes the handshake and then never answers a ping:
    the server's keepalive timer fails the connection with 1011 and drops
    the TCP connection after its close timeout, all on loop timers."""

    async def main() -> None:
        closed: list[int | None] = []
        done = asyncio.Event()

        async def handler(ws: ServerConnection) -> None:
            try:
                await ws.wait_closed()
            finally:
                closed.append(ws.close_code)
                done.set()

        async with serve(
            handler,
            "127.0.0.1",
            0,
            ping_interval=0.05,
            ping_timeout=0.1,
            close_timeout=0.1,
        ) as server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"
            )
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 101")
            # Read (and ignore) pings until the server gives up on us.
            frames = await reader.read(-1)
            writer.close()
            await writer.wait_closed()
            await done.wait()
        assert frames[0] == 0x89  # a ping came first
        # ...and a close frame with code 1011 (internal error) came last
        close_at = frames.rfind(b"\x88")
        assert close_at >= 0
        assert int.from_bytes(frames[close_at + 2 : close_at + 4], "big") == 1011
        # The peer never answered the close frame: abnormal closure.
        assert closed == [1006]

    run(main)
