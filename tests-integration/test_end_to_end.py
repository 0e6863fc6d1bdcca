"""The distributions together, the way a user combines them: loop-policy's
run() driving loop-streams over loop-transports (and loop-subprocess)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

import loop_core
import pytest

pytestmark = pytest.mark.ours_only


def run(main):
    """loop_policy.run() where loop-policy is installed, else asyncio's
    Runner on our loop: the rest of each test needs only its packages."""
    try:
        import loop_policy
    except ImportError:
        with asyncio.Runner(loop_factory=loop_core.new_event_loop) as runner:
            return runner.run(main)
    return loop_policy.run(main)


def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def test_run_uses_our_loop_with_core_only_features():
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        loop.call_later(0.01, fut.set_result, "timer")
        got = await fut
        value = await loop.run_in_executor(None, sum, [1, 2, 3])
        return _loop_module(), got, value

    assert run(main()) == ("loop_core", "timer", 6)


def test_streams_tcp_echo_under_run():
    loop_streams = pytest.importorskip("loop_streams")

    async def handle(reader, writer):
        while line := await reader.readline():
            writer.write(line.upper())
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await loop_streams.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await loop_streams.open_connection("127.0.0.1", port)
            replies = []
            for word in (b"one\n", b"two\n", b"x" * 50_000 + b"\n"):
                writer.write(word)
                replies.append(await reader.readline())
            writer.write_eof()
            rest = await reader.read()
            writer.close()
            await writer.wait_closed()
        return _loop_module(), replies, rest

    module, replies, rest = run(main())
    assert module == "loop_core"
    assert replies == [b"ONE\n", b"TWO\n", b"X" * 50_000 + b"\n"]
    assert rest == b""


def test_streams_unix_echo_under_run():
    loop_streams = pytest.importorskip("loop_streams")
    # Not tmp_path: pytest's can pass the 108-byte limit of a socket path.
    directory = tempfile.TemporaryDirectory(prefix="lp", dir="/tmp")
    path = os.path.join(directory.name, "echo.sock")

    async def handle(reader, writer):
        writer.write(await reader.readexactly(5))
        await writer.drain()
        writer.close()

    async def main():
        server = await loop_streams.start_unix_server(handle, path)
        async with server:
            reader, writer = await loop_streams.open_unix_connection(path)
            writer.write(b"hello")
            data = await reader.read()
            writer.close()
            await writer.wait_closed()
        return data

    with directory:
        assert run(main()) == b"hello"


def test_subprocess_streams_under_run():
    loop_streams = pytest.importorskip("loop_streams")
    pytest.importorskip("loop_subprocess")
    code = "import sys; sys.stdout.write(sys.stdin.read()[::-1]); sys.exit(7)"

    async def main():
        proc = await loop_streams.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate(b"abc" * 50_000)
        return out, proc.returncode

    out, code_ = run(main())
    assert out == (b"abc" * 50_000)[::-1]
    assert code_ == 7


def test_asyncio_streams_on_our_transports():
    """Unchanged asyncio code (asyncio's own streams) on our loop."""
    pytest.importorskip("loop_transports")

    async def handle(reader, writer):
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"ping\n")
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
        return _loop_module(), line

    assert run(main()) == ("loop_core", b"ping\n")
