"""create_subprocess_exec / _shell and Process, on every loop.

On our loop the pipes and child reaping come from loop-subprocess (the
``subprocess`` extra); on asyncio's from its own subprocess_exec.
"""

import asyncio
import signal
import sys
from asyncio.subprocess import PIPE

import loop_core
import pytest
from loop_streams import (
    Process,
    StreamReader,
    StreamWriter,
    create_subprocess_exec,
    create_subprocess_shell,
)

pytestmark = pytest.mark.timeout(30)

PY = sys.executable

try:
    import loop_subprocess  # noqa: F401
except ImportError:  # pragma: no cover - the package's tests install it
    HAVE_LOOP_SUBPROCESS = False
else:
    HAVE_LOOP_SUBPROCESS = True


@pytest.fixture(autouse=True)
def _needs_subprocess_support(loop):
    """Our loop runs children only with loop-subprocess (the extra)."""
    if isinstance(loop, loop_core.EventLoop) and not HAVE_LOOP_SUBPROCESS:
        pytest.skip("loop-subprocess is not installed")


def run(loop, coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 20))


def test_communicate_roundtrip(loop):
    async def main():
        proc = await create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE, stderr=PIPE)
        assert isinstance(proc, Process)
        assert isinstance(proc.stdin, StreamWriter)
        assert isinstance(proc.stdout, StreamReader)
        assert proc.returncode is None
        assert repr(proc) == f"<Process {proc.pid}>"
        out, err = await proc.communicate(b"x" * 300_000)
        return out, err, proc.returncode

    assert run(loop, main()) == (b"x" * 300_000, b"", 0)


def test_shell_stdout_stderr_and_status(loop):
    async def main():
        proc = await create_subprocess_shell(
            "echo out; echo err >&2; exit 3", stdout=PIPE, stderr=PIPE
        )
        assert proc.stdin is None
        out, err = await proc.communicate()
        return out, err, await proc.wait()

    assert run(loop, main()) == (b"out\n", b"err\n", 3)


def test_lines_from_stdout(loop):
    async def main():
        proc = await create_subprocess_exec(
            PY, "-c", "for i in range(3): print(i)", stdout=PIPE
        )
        lines = [line async for line in proc.stdout]
        return lines, await proc.wait()

    assert run(loop, main()) == ([b"0\n", b"1\n", b"2\n"], 0)


def test_output_larger_than_limit(loop):
    """The stdout reader pauses the pipe and resumes it: nothing is lost."""

    async def main():
        proc = await create_subprocess_exec(
            PY,
            "-c",
            "import sys; sys.stdout.buffer.write(b'y' * 1_000_000)",
            stdout=PIPE,
            limit=1024,
        )
        data = await proc.stdout.read()
        await proc.wait()
        return len(data)

    assert run(loop, main()) == 1_000_000


def test_stdin_writer_and_wait_closed(loop):
    async def main():
        proc = await create_subprocess_exec(
            PY,
            "-c",
            "import sys; print(len(sys.stdin.read()))",
            stdin=PIPE,
            stdout=PIPE,
        )
        proc.stdin.write(b"12345")
        await proc.stdin.drain()
        proc.stdin.close()
        await proc.stdin.wait_closed()
        out = await proc.stdout.read()
        return out, await proc.wait()

    assert run(loop, main()) == (b"5\n", 0)


def test_input_ignored_by_child(loop):
    """communicate() swallows the broken pipe of a child that exits without
    reading its input."""

    async def main():
        proc = await create_subprocess_exec("true", stdin=PIPE, stdout=PIPE)
        out, err = await proc.communicate(b"z" * 1_000_000)
        return out, err, proc.returncode

    assert run(loop, main()) == (b"", None, 0)


@pytest.mark.parametrize("how", ["kill", "terminate", "send_signal"])
def test_signals(loop, how):
    async def main():
        proc = await create_subprocess_exec(
            PY,
            "-c",
            "import time; print('up', flush=True); time.sleep(30)",
            stdout=PIPE,
        )
        assert await proc.stdout.readline() == b"up\n"
        if how == "send_signal":
            proc.send_signal(signal.SIGUSR1)
        else:
            getattr(proc, how)()
        status = await proc.wait()
        await proc.stdout.read()
        return status

    expected = {
        "kill": -signal.SIGKILL,
        "terminate": -signal.SIGTERM,
        "send_signal": -signal.SIGUSR1,
    }
    assert run(loop, main()) == expected[how]
