"""Datagram echo over loop.create_datagram_endpoint transports.

Why: UDP servers (DNS, QUIC, game and metrics servers) live on
``datagram_received`` / ``sendto``: one system call per datagram each way
and no stream buffering, so the loop's readiness dispatch and the
transport's per-datagram path are all there is to measure. On our loop
that is loop-transports' datagram transport; on asyncio's, its selector
datagram transport.

- ``echo``: ``PAIRS`` endpoint pairs on 127.0.0.1; each client (connected
  with ``remote_addr``) sends a 1 KiB datagram, the server's protocol sends
  it back with ``sendto(data, addr)``, the client sends the next one once
  the echo is back. One operation is one round trip.

Endpoints are created before the clock starts and closed afterwards,
whatever happens. The function takes a fresh loop and a size and returns
``(operations, seconds)`` for the timed part only.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

MESSAGE_SIZE = 1024
PAIRS = 10
# Loopback does not drop one datagram in flight per pair; this only turns
# a lost datagram into an error instead of a hang.
HANG_GUARD = 120.0


def echo(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    """1 KiB datagram round trips, 10 UDP endpoint pairs at once."""
    return loop.run_until_complete(_echo(loop, n))


class _Endpoint(asyncio.DatagramProtocol):
    """Knows its transport and tells ``closed`` when it is gone."""

    def __init__(self) -> None:
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Echo(_Endpoint):
    def datagram_received(self, data: bytes, addr: Any) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)


class _Pinger(_Endpoint):
    """Sends a datagram, waits for its echo, ``trips`` times."""

    def __init__(self) -> None:
        super().__init__()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.message = b"x" * MESSAGE_SIZE
        self.trips = 0

    def start(self, trips: int) -> None:
        assert self.transport is not None
        self.trips = trips
        self.transport.sendto(self.message)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        assert self.transport is not None
        self.trips -= 1
        if self.trips:
            self.transport.sendto(self.message)
        elif not self.done.done():
            self.done.set_result(None)

    def error_received(self, exc: Exception) -> None:
        if not self.done.done():
            self.done.set_exception(exc)


async def _echo(loop: asyncio.AbstractEventLoop, n: int) -> tuple[int, float]:
    endpoints: list[_Endpoint] = []
    pingers: list[_Pinger] = []
    try:
        for _ in range(PAIRS):
            _, server = await loop.create_datagram_endpoint(
                _Echo, local_addr=("127.0.0.1", 0)
            )
            endpoints.append(server)
            assert server.transport is not None
            address = server.transport.get_extra_info("sockname")
            _, pinger = await loop.create_datagram_endpoint(
                _Pinger, remote_addr=address
            )
            endpoints.append(pinger)
            pingers.append(pinger)
        trips = max(1, n // PAIRS)
        start = time.perf_counter()
        for pinger in pingers:
            pinger.start(trips)
        await asyncio.wait_for(asyncio.gather(*(p.done for p in pingers)), HANG_GUARD)
        return trips * PAIRS, time.perf_counter() - start
    finally:
        for endpoint in endpoints:
            if endpoint.transport is not None:
                endpoint.transport.close()
        await asyncio.gather(*(e.closed for e in endpoints), return_exceptions=True)
