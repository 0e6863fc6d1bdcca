"""A small HTTP/1.1 server on loop-streams, hit by 20 keep-alive clients:
streams over transports over loop-core, run by loop_policy.run()."""

import asyncio
import time

import loop_policy
import loop_streams

BODY = b"hello from loop\n"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
)


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"GET "):
                break
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def client(port, requests):
    reader, writer = await loop_streams.open_connection("127.0.0.1", port)
    request = b"GET / HTTP/1.1\r\nHost: demo\r\n\r\n"
    for _ in range(requests):
        writer.write(request)
        await reader.readuntil(b"\r\n\r\n")
        body = await reader.readexactly(len(BODY))
        assert body == BODY
    writer.close()
    await writer.wait_closed()


async def main(clients=20, requests=250):
    server = await loop_streams.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        start = time.perf_counter()
        await asyncio.gather(*(client(port, requests) for _ in range(clients)))
        took = time.perf_counter() - start
    total = clients * requests
    loop_name = type(asyncio.get_running_loop()).__module__.split(".")[0]
    print(f"{total} HTTP requests from {clients} clients on {loop_name}")
    print(f"  {total / took:,.0f} requests/s")


if __name__ == "__main__":
    loop_policy.run(main())
