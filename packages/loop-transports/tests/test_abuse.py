"""A server under abuse: many idle half-requests, a connect burst, and
accept() running out of fds.

The guarantees are asyncio's own (every queued connection is eventually
served, a listener survives EMFILE and does not spin), so each test runs on
our loop (both pollers) and on asyncio's. Speed is never asserted: the
``wait_for`` timeouts are hang guards only. The EMFILE tests lower
RLIMIT_NOFILE, so they run in a child interpreter (``emfile_child.py``)
where the lowered limit cannot reach other tests.
"""

import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

HOLDERS = 1000
BURST = 2000
# Two fds per connection (client and accepted end), plus pytest's own.
NEEDED_FDS = 2 * (HOLDERS + BURST + 1) + 500
CHILD = Path(__file__).with_name("emfile_child.py")


class LineEcho(asyncio.Protocol):
    """Answers each complete line; counts connections holding a partial one."""

    def __init__(self, stats):
        self.stats = stats
        self.buffer = b""

    def connection_made(self, transport):
        self.transport = transport
        self.gone = asyncio.get_running_loop().create_future()
        self.stats.lost.append(self.gone)

    def connection_lost(self, exc):
        self.gone.set_result(exc)

    def data_received(self, data):
        was_empty = not self.buffer
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.transport.write(b"echo:" + line + b"\n")
        if was_empty and self.buffer:
            self.stats.partial_seen()


class Stats:
    """How many connections have shown a partial line, a future for when all
    have; a future per connection for its end (asyncio 3.11's wait_closed()
    does not wait for connections)."""

    def __init__(self, loop, expected):
        self.lost = []
        self.count = 0
        self.expected = expected
        self.all_partial = loop.create_future()

    def partial_seen(self):
        self.count += 1
        if self.count == self.expected and not self.all_partial.done():
            self.all_partial.set_result(None)


@pytest.fixture
def many_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NEEDED_FDS:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {NEEDED_FDS}")
    if soft != resource.RLIM_INFINITY and soft < NEEDED_FDS:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def _connect(loop, address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


async def _read_line(loop, sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = await loop.sock_recv(sock, 256)
        if not chunk:
            break
        data += chunk
    return data


async def _request(loop, address, text):
    """One whole request on a fresh connection: its answer."""
    sock = await _connect(loop, address)
    try:
        await loop.sock_sendall(sock, text + b"\n")
        return await _read_line(loop, sock)
    finally:
        sock.close()


async def _abuse(loop):
    stats = Stats(loop, HOLDERS)
    server = await loop.create_server(
        lambda: LineEcho(stats), "127.0.0.1", 0, backlog=4096
    )
    address = server.sockets[0].getsockname()
    holders = []
    try:
        # 1,000 connections, each sending half a line and then nothing.
        for i in range(HOLDERS):
            sock = await _connect(loop, address)
            holders.append(sock)
            await loop.sock_sendall(sock, b"hold-%d-" % i)
        await asyncio.wait_for(stats.all_partial, 30)

        # 2,000 connects at once while the holders sit there.
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(_request(loop, address, b"b%d" % i) for i in range(BURST))
            ),
            40,
        )
        assert answers == [b"echo:b%d\n" % i for i in range(BURST)]

        # A fresh request still gets its answer.
        fresh = await asyncio.wait_for(_request(loop, address, b"fresh"), 20)
        assert fresh == b"echo:fresh\n"

        # The holders finish their lines: each is answered, with its prefix.
        async def finish(i, sock):
            await loop.sock_sendall(sock, b"done\n")
            return await _read_line(loop, sock)

        done = await asyncio.wait_for(
            asyncio.gather(*(finish(i, s) for i, s in enumerate(holders))), 30
        )
        assert done == [b"echo:hold-%d-done\n" % i for i in range(HOLDERS)]
        assert server.is_serving()
    finally:
        for sock in holders:
            sock.close()
        server.close()
        await asyncio.wait_for(asyncio.gather(*stats.lost), 30)
        await server.wait_closed()
    assert len(stats.lost) == HOLDERS + BURST + 1
    assert all(exc is None for exc in (f.result() for f in stats.lost))


def test_idle_half_requests_and_a_connect_burst_are_all_served(loop, many_fds):
    loop.run_until_complete(_abuse(loop))


def _run_child(request, mode):
    kind = request.node.callspec.params["loop_factory"]
    out = subprocess.run(
        [sys.executable, "-W", "error", str(CHILD), kind, mode],
        capture_output=True,
        text=True,
        timeout=50,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_accept_out_of_fds_keeps_listening_and_recovers(loop_factory, request):
    """asyncio's contract: report, stop watching for a while, retry; the
    listening socket stays open and serves once fds are free again."""
    result = _run_child(request, "shared")
    assert result["reports"] >= 1
    assert set(result["messages"]) == {"socket.accept() out of system resource"}
    assert set(result["errnos"]) == {"EMFILE"}
    # A listener left in the poller while accept() fails would be retried
    # once per loop iteration: 1,000 iterations would mean >= 1,000 tries.
    # asyncio tries up to `backlog` times per readiness, we try once.
    assert result["attempts_while_starved"] <= 2 * result["backlog"]
    assert result["listener_open"] is True
    assert result["serving"] is True
    assert result["answers"] == ["echo:starved", "echo:fresh"]


@pytest.mark.ours_only
def test_accept_out_of_fds_is_reported_once_per_episode(loop_factory, request):
    """Ours only: asyncio reports once per failed accept() (up to `backlog`
    times per readiness, again at every retry); we report the first failure
    of an episode and stay quiet until an accept() succeeds."""
    result = _run_child(request, "once")
    assert result["retries_seen"] >= 5
    assert result["reports_first_episode"] == 1
    assert result["reports_second_episode"] == 1
    assert result["answers"] == ["echo:first", "echo:second"]
