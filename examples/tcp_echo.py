"""A TCP echo server and client with protocols and transports (the
loop-transports distribution), on our loop: ten clients at once."""

import asyncio

import loop_core


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def client(port: int, n: int) -> bytes:
    loop = asyncio.get_running_loop()
    reply = loop.create_future()

    class Client(asyncio.Protocol):
        def data_received(self, data):
            if not reply.done():
                reply.set_result(data)

    transport, _ = await loop.create_connection(Client, "127.0.0.1", port)
    transport.write(f"hello from client {n}".encode())
    try:
        return await reply
    finally:
        transport.close()


async def main():
    loop = asyncio.get_running_loop()
    async with await loop.create_server(Echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        replies = await asyncio.gather(*(client(port, n) for n in range(10)))
    for reply in replies[:3]:
        print("echoed", reply)
    print(f"... {len(replies)} clients echoed by {type(server).__module__}.Server")


with asyncio.Runner(loop_factory=loop_core.new_event_loop) as runner:
    runner.run(main())
