"""An echo server and client written with the loop's sock_* coroutines,
over loopback TCP."""

import asyncio
import socket

import loop_core


async def serve_one(loop, listener):
    conn, _ = await loop.sock_accept(listener)
    with conn:
        while data := await loop.sock_recv(conn, 65536):
            await loop.sock_sendall(conn, data)


async def main():
    loop = asyncio.get_running_loop()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        server = asyncio.create_task(serve_one(loop, listener))
        with socket.socket() as client:
            client.setblocking(False)
            await loop.sock_connect(client, listener.getsockname())
            for message in (b"hello", b"event", b"loop"):
                await loop.sock_sendall(client, message)
                reply = await loop.sock_recv(client, 1024)
                print(f"sent {message!r}, echoed {reply!r}")
        await server
    print("echo done on", type(loop).__module__ + "." + type(loop).__name__)


with asyncio.Runner(loop_factory=loop_core.new_event_loop) as runner:
    runner.run(main())
