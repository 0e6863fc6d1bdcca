"""The floor under transport_echo_tcp: the same echo on a bare epoll loop.

Ten TCP loopback connections, 1 KiB round trips, and nothing between the
sockets and the loop: no handles, no transports, no protocols. Whatever a
real loop adds to this is its own cost; whatever this costs is the
kernel's (send, recv and epoll_wait), which no loop can go under.

    python benchmarks/floor_echo.py [round trips]

On PyPy the JIT makes the Python around the syscalls nearly free, so
asyncio's loop already sits within a few percent of this floor there (see
loop-core's README, "Facts about PyPy").
"""

from __future__ import annotations

import select
import socket
import sys
import time

CONNECTIONS = 10
MESSAGE = b"x" * 1024


def pairs(count: int) -> list[tuple[socket.socket, socket.socket]]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(count)
        made = []
        for _ in range(count):
            client = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
            for sock in (client, server):
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            made.append((client, server))
        return made


def echo(trips: int) -> float:
    """Round trips per second over ``CONNECTIONS`` connections."""
    connections = pairs(CONNECTIONS)
    poller = select.epoll()
    # fd -> (socket, is the client side, bytes of the echo received)
    sides: dict[int, list] = {}
    for client, server in connections:
        for sock, is_client in ((client, True), (server, False)):
            poller.register(sock.fileno(), select.EPOLLIN)
            sides[sock.fileno()] = [sock, is_client, 0]
    try:
        done = 0
        started = time.perf_counter()
        for client, _ in connections:
            client.send(MESSAGE)
        while done < trips:
            for fd, _ in poller.poll(-1, 2 * CONNECTIONS):
                side = sides[fd]
                data = side[0].recv(65536)
                if not side[1]:
                    side[0].send(data)
                    continue
                side[2] += len(data)
                if side[2] >= len(MESSAGE):
                    side[2] = 0
                    done += 1
                    side[0].send(MESSAGE)
        return done / (time.perf_counter() - started)
    finally:
        poller.close()
        for client, server in connections:
            client.close()
            server.close()


def main() -> None:
    trips = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rates = [echo(trips) for _ in range(5)]
    print(
        f"bare epoll echo, {sys.implementation.name} {sys.version.split()[0]}: "
        f"{max(rates):,.0f} round trips/s (best of 5)"
    )


if __name__ == "__main__":
    main()
