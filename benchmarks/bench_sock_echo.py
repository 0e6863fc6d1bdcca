"""Socket ping-pong with loop.sock_sendall / loop.sock_recv.

Why: this is the loop's I/O path end to end, without any transport or
protocol on top: a task awaits readiness, the poller reports it, the readiness
callback resolves a future, the task wakes up and does the next system call.
A round trip is 1 KiB sent by a client task, echoed by a server task and read
back in full. ``CONNECTIONS`` connections run at once, so one poll usually
reports several ready sockets, as on a busy server.

Two transports, both on this machine only:

- ``tcp``: real TCP connections over 127.0.0.1 (listen/accept on an
  ephemeral port, TCP_NODELAY on both ends).
- ``unix``: ``socket.socketpair(AF_UNIX)``, which takes the TCP stack out and
  leaves more of the time to the loop itself.

Sockets are connected before the clock starts and closed afterwards, whatever
happens. Each function takes a fresh loop and a size (total round trips), and
returns ``(round trips, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

MESSAGE_SIZE = 1024
CONNECTIONS = 10
RECV_SIZE = 65536

Pair = tuple[socket.socket, socket.socket]  # (client end, server end)


def tcp(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """Echo over ``CONNECTIONS`` TCP loopback connections."""
    with contextlib.ExitStack() as stack:
        pairs = _tcp_pairs(stack, CONNECTIONS)
        return _run(loop, pairs, n)


def unix(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """Echo over ``CONNECTIONS`` AF_UNIX socket pairs."""
    with contextlib.ExitStack() as stack:
        pairs: list[Pair] = []
        for _ in range(CONNECTIONS):
            client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            stack.enter_context(client)
            stack.enter_context(server)
            pairs.append((client, server))
        return _run(loop, pairs, n)


def _tcp_pairs(stack: contextlib.ExitStack, count: int) -> list[Pair]:
    """Connected (client, server) TCP sockets on 127.0.0.1, owned by ``stack``."""
    pairs: list[Pair] = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(count)
        for _ in range(count):
            client = stack.enter_context(socket.socket(socket.AF_INET))
            client.connect(listener.getsockname())
            server = stack.enter_context(listener.accept()[0])
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pairs.append((client, server))
    return pairs


def _run(
    loop: asyncio.AbstractEventLoop, pairs: list[Pair], n: int
) -> tuple[int, float]:
    for client, server in pairs:
        client.setblocking(False)
        server.setblocking(False)
    trips = max(1, n // len(pairs))
    elapsed = loop.run_until_complete(_main(loop, pairs, trips))
    return trips * len(pairs), elapsed


async def _main(
    loop: asyncio.AbstractEventLoop, pairs: list[Pair], trips: int
) -> float:
    servers = [loop.create_task(_serve(loop, server)) for _, server in pairs]
    clients = [loop.create_task(_client(loop, client, trips)) for client, _ in pairs]
    try:
        start = time.perf_counter()
        await asyncio.gather(*clients)
        elapsed = time.perf_counter() - start
        await asyncio.gather(*servers)
        return elapsed
    finally:
        # Only does something after a failure: no task outlives its loop.
        for task in servers + clients:
            task.cancel()
        await asyncio.gather(*servers, *clients, return_exceptions=True)


async def _serve(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    """Echo everything back until the client shuts its side down."""
    while True:
        data = await loop.sock_recv(sock, RECV_SIZE)
        if not data:
            return
        await loop.sock_sendall(sock, data)


async def _client(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, trips: int
) -> None:
    """Send a message, read the whole echo back, ``trips`` times; then EOF."""
    message = b"x" * MESSAGE_SIZE
    for _ in range(trips):
        await loop.sock_sendall(sock, message)
        received = 0
        while received < MESSAGE_SIZE:
            chunk = await loop.sock_recv(sock, RECV_SIZE)
            if not chunk:
                raise ConnectionError("the echo server closed the connection early")
            received += len(chunk)
    sock.shutdown(socket.SHUT_WR)
