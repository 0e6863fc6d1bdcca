"""The raw HTTP responder of ``nox -s bench_http`` (benchmarks/http/
server_raw.py) answers a request correctly, on our loop and on asyncio's:
a benchmark of a server that answers wrongly (or not at all) would measure
nothing. No timing here; ``nox -s bench_http`` measures."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from pathlib import Path

import pytest

RESPONDER = Path(__file__).parents[1] / "benchmarks" / "http" / "server_raw.py"


def load_responder():
    spec = importlib.util.spec_from_file_location("server_raw", RESPONDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs_transports(loop_factory):
    """Our loop serves TCP through loop-transports, absent in some subsets."""
    loop = loop_factory()
    try:
        ours = type(loop).__module__.startswith("loop_core")
    finally:
        loop.close()
    if ours:
        pytest.importorskip("loop_transports")


async def exchange(port: int, pieces: list[bytes]) -> bytes:
    """Send ``pieces`` one by one over a new connection, then read to EOF."""
    loop = asyncio.get_running_loop()
    with socket.socket() as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        for piece in pieces:
            await loop.sock_sendall(sock, piece)
            await asyncio.sleep(0.01)  # separate reads on the server's side
        chunks = []
        while chunk := await loop.sock_recv(sock, 65536):
            chunks.append(chunk)
    return b"".join(chunks)


def serve_and_send(loop_factory, pieces: list[bytes]) -> bytes:
    responder = load_responder()

    async def main():
        server = await responder.start("127.0.0.1", 0)
        try:
            port = server.sockets[0].getsockname()[1]
            return await exchange(port, pieces)
        finally:
            server.close()
            await server.wait_closed()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(asyncio.wait_for(main(), 10))


def test_answers_one_request_split_across_reads(loop_factory):
    needs_transports(loop_factory)
    reply = serve_and_send(
        loop_factory,
        [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"Connection: close\r\n\r\n"],
    )
    assert reply == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
        b"Connection: close\r\n\r\nHello, World!"
    )


def test_answers_pipelined_requests_in_order(loop_factory):
    needs_transports(loop_factory)
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    closing = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    reply = serve_and_send(loop_factory, [request * 2 + closing])
    assert reply.count(b"HTTP/1.1 200 OK\r\n") == 3
    assert reply.endswith(b"Connection: close\r\n\r\nHello, World!")
    assert reply.count(b"Hello, World!") == 3
