"""An echo server written against plain asyncio (streams, asyncio.run), with
nothing of loop's in it: run it unchanged on our loop with

    python -m loop_policy examples/asyncio_echo_server.py [N]

(or on asyncio's with plain ``python``). It prints ``port <n> on <loop>``
once listening on 127.0.0.1, echoes every connection until it closes, and
exits with status 0 after N clients have come and gone (N = 0, the default:
never) or on SIGTERM / SIGINT.
"""

import asyncio
import signal
import sys


async def main(max_clients: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    writers: set[asyncio.StreamWriter] = set()
    served = 0

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        writers.add(writer)
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writers.discard(writer)
            writer.close()
        served += 1
        if served == max_clients:
            stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"port {port} on {type(loop).__module__}.{type(loop).__name__}", flush=True)
    await stop.wait()
    server.close()
    for writer in list(writers):
        writer.close()
    await server.wait_closed()
    print(f"served {served} clients", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
