"""The metrics in Prometheus's text format, served by the loop itself.

Opt-in, and bound to 127.0.0.1 unless told otherwise. The server uses only
loop-core's ``sock_accept`` / ``sock_recv`` / ``sock_sendall``, so it needs
no other distribution, and answers every request on any path with the
metrics of the loops it was given.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable

from ._stats import Stats, stats

__all__ = ["PrometheusServer", "render", "serve_prometheus"]

_HELP = {
    "iterations": ("counter", "Loop iterations."),
    "callbacks": ("counter", "Callbacks run."),
    "busy": ("counter", "Seconds spent running callbacks."),
    "idle": ("counter", "Seconds spent between batches (polling)."),
    "slow_callbacks": ("counter", "Callbacks slower than slow_callback_duration."),
    "ready": ("gauge", "Callbacks queued to run."),
    "timers": ("gauge", "Timers scheduled."),
    "fds": ("gauge", "File descriptors watched."),
    "tasks": ("gauge", "Tasks not done."),
}


def render(snapshots: Iterable[tuple[str, Stats]]) -> str:
    """``(loop label, stats)`` pairs as Prometheus exposition text."""
    rows = list(snapshots)
    out: list[str] = []
    for field, (kind, text) in _HELP.items():
        name = f"loop_{field}" + ("_total" if kind == "counter" else "")
        if field in ("busy", "idle"):
            name = f"loop_{field}_seconds_total"
        out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        out += [f'{name}{{loop="{label}"}} {getattr(s, field)}' for label, s in rows]
    out += [
        "# HELP loop_lag_seconds How late timer callbacks started.",
        "# TYPE loop_lag_seconds summary",
    ]
    for label, s in rows:
        for q, value in (("0.5", s.lag_p50), ("0.99", s.lag_p99), ("1", s.lag_max)):
            out.append(f'loop_lag_seconds{{loop="{label}",quantile="{q}"}} {value}')
    return "\n".join(out) + "\n"


class PrometheusServer:
    """The running endpoint: ``port`` it listens on, ``close()`` to stop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        collect: Callable[[], str],
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._collect = collect
        self.port: int = sock.getsockname()[1]
        self._task = loop.create_task(self._serve())

    async def _serve(self) -> None:
        while True:
            conn, _ = await self._loop.sock_accept(self._sock)
            self._loop.create_task(self._answer(conn))

    async def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.setblocking(False)
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = await self._loop.sock_recv(conn, 4096)
                if not chunk:
                    return
                request += chunk
            body = self._collect().encode()
            head = (
                "HTTP/1.1 200 OK\r\n"
                "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            await self._loop.sock_sendall(conn, head.encode() + body)

    def close(self) -> None:
        self._task.cancel()
        self._sock.close()


async def serve_prometheus(
    loop: asyncio.AbstractEventLoop | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    loops: Callable[[], Iterable[tuple[str, asyncio.AbstractEventLoop]]] | None = None,
) -> PrometheusServer:
    """Serve the metrics of ``loop`` (the running one by default), or of
    every loop ``loops()`` names, on http://host:port/ from that loop."""
    loop = loop or asyncio.get_running_loop()
    if loops is None:
        target = loop

        def loops() -> Iterable[tuple[str, asyncio.AbstractEventLoop]]:
            return [("0", target)]

    sock = socket.create_server((host, port))
    sock.setblocking(False)
    named = loops

    def collect() -> str:
        return render(
            (label, stats(each)) for label, each in named() if not each.is_closed()
        )

    return PrometheusServer(loop, sock, collect)
