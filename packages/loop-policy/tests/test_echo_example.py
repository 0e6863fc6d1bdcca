"""examples/asyncio_echo_server.py, a plain asyncio program, served by
``python -m loop_policy`` and driven by asyncio streams over each loop."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from loop_core import extensions

# asyncio's streams need create_server / create_connection on our loop.
if "create_connection" not in extensions.available():
    pytest.skip("needs loop-transports", allow_module_level=True)

EXAMPLE = Path(__file__).parents[3] / "examples" / "asyncio_echo_server.py"


def start_server(*args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "loop_policy", str(EXAMPLE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().split()
    if not first:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"server did not start: {err}")
    assert first[0] == "port"
    assert first[-1] == "loop_core._loop.EventLoop"
    return proc, int(first[1])


def finish(proc):
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


async def echo_once(port, payload):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.skipif(not EXAMPLE.exists(), reason="examples/ not in this checkout")
def test_serves_n_clients_then_exits(loop):
    proc, port = start_server("3")
    try:
        payloads = [b"x" * 100_000, b"hello", bytes(range(256)) * 10]

        async def clients():
            return await asyncio.gather(*(echo_once(port, p) for p in payloads))

        assert loop.run_until_complete(clients()) == payloads
        assert finish(proc) == (0, "served 3 clients\n", "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.skipif(not EXAMPLE.exists(), reason="examples/ not in this checkout")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_on_signal_with_a_client_connected(loop, signum):
    proc, port = start_server()
    try:

        async def connected_client():
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"ping")
            assert await reader.readexactly(4) == b"ping"
            os.kill(proc.pid, signum)
            # The server closes our connection on its way out.
            assert await reader.read() == b""
            writer.close()
            await writer.wait_closed()

        loop.run_until_complete(connected_client())
        assert finish(proc) == (0, "served 1 clients\n", "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
