"""create_subprocess_exec / create_subprocess_shell and Process.

Built on the loop's ``subprocess_exec`` / ``subprocess_shell`` (on our loop,
loop-subprocess provides them: the ``subprocess`` extra), so it runs on any
asyncio loop. The child's stdout / stderr are StreamReaders, its stdin a
StreamWriter.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

from ._flow import FlowControlMixin
from ._reader import DEFAULT_LIMIT, StreamReader
from ._writer import StreamWriter

__all__ = [
    "Process",
    "SubprocessStreamProtocol",
    "create_subprocess_exec",
    "create_subprocess_shell",
]

PIPE = subprocess.PIPE


class SubprocessStreamProtocol(FlowControlMixin, asyncio.SubprocessProtocol):
    """Feeds the child's output pipes to StreamReaders; closes the
    transport once the child has exited and its pipes are closed."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._limit = limit
        self.stdin: StreamWriter | None = None
        self.stdout: StreamReader | None = None
        self.stderr: StreamReader | None = None
        self._transport: Any = None
        self._process_exited = False
        self._pipe_fds: list[int] = []
        self._stdin_closed: asyncio.Future[None] = self._loop.create_future()
        self._lost: asyncio.Future[None] = self._loop.create_future()

    def __repr__(self) -> str:
        info = [type(self).__name__]
        for name in ("stdin", "stdout", "stderr"):
            stream = getattr(self, name)
            if stream is not None:
                info.append(f"{name}={stream!r}")
        return "<{}>".format(" ".join(info))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        for fd in (1, 2):
            pipe = transport.get_pipe_transport(fd)  # type: ignore[attr-defined]
            if pipe is not None:
                reader = StreamReader(limit=self._limit, loop=self._loop)
                reader.set_transport(pipe)
                setattr(self, "stdout" if fd == 1 else "stderr", reader)
                self._pipe_fds.append(fd)
        stdin = transport.get_pipe_transport(0)  # type: ignore[attr-defined]
        if stdin is not None:
            self.stdin = StreamWriter(stdin, self, None, self._loop)

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        reader = self.stdout if fd == 1 else self.stderr if fd == 2 else None
        if reader is not None:
            reader.feed_data(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 0:
            if self.stdin is not None:
                self.stdin.close()
            self.connection_lost(exc)
            if exc is None:
                self._stdin_closed.set_result(None)
            else:
                self._stdin_closed.set_exception(exc)
                # wait_closed() is optional: an unawaited error is no bug.
                self._stdin_closed.exception()
            return
        reader = self.stdout if fd == 1 else self.stderr if fd == 2 else None
        if reader is not None:
            if exc is None:
                reader.feed_eof()
            else:
                reader.set_exception(exc)
        if fd in self._pipe_fds:
            self._pipe_fds.remove(fd)
        self._maybe_close_transport()

    def process_exited(self) -> None:
        self._process_exited = True
        self._maybe_close_transport()

    def connection_lost(self, exc: Exception | None) -> None:
        # Called for stdin's pipe (above) and, at the very end, by the
        # subprocess transport itself.
        super().connection_lost(exc)
        if self._transport is None and not self._lost.done():
            self._lost.set_result(None)

    def _maybe_close_transport(self) -> None:
        if not self._pipe_fds and self._process_exited:
            self._transport.close()
            self._transport = None

    def _get_close_waiter(self, stream: object) -> asyncio.Future[None]:
        if stream is self.stdin:
            return self._stdin_closed
        raise ValueError(f"{stream!r} is not this process's stdin")


class Process:
    """A child process started by create_subprocess_exec / _shell."""

    def __init__(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: SubprocessStreamProtocol,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._loop = loop
        self.stdin = protocol.stdin
        self.stdout = protocol.stdout
        self.stderr = protocol.stderr
        self.pid = transport.get_pid()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pid}>"

    @property
    def returncode(self) -> int | None:
        return self._transport.get_returncode()

    async def wait(self) -> int:
        """Wait for the child to exit (and its pipes to close); its status."""
        wait = getattr(self._transport, "_wait", None)
        if wait is not None:
            # asyncio's and loop-subprocess's transports both have it.
            returncode: int = await wait()
            return returncode
        await asyncio.shield(self._protocol._lost)
        return self._transport.get_returncode()  # type: ignore[return-value]

    def send_signal(self, signal: int) -> None:
        self._transport.send_signal(signal)

    def terminate(self) -> None:
        self._transport.terminate()

    def kill(self) -> None:
        self._transport.kill()

    async def _feed_stdin(self, input: bytes | None) -> None:
        stdin = self.stdin
        assert stdin is not None
        try:
            if input is not None:
                stdin.write(input)
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            # The child may exit without reading its input: that is its
            # business, communicate() still collects the output.
            pass
        stdin.close()

    async def _read_stream(self, fd: int) -> bytes:
        stream = self.stdout if fd == 1 else self.stderr
        assert stream is not None
        output = await stream.read()
        pipe = self._transport.get_pipe_transport(fd)
        if pipe is not None:
            pipe.close()
        return output

    async def _nothing(self) -> None:
        return None

    async def communicate(
        self, input: bytes | None = None
    ) -> tuple[bytes | None, bytes | None]:
        """Send ``input``, read stdout and stderr to EOF, wait for the exit."""
        stdin = self._feed_stdin(input) if self.stdin is not None else self._nothing()
        stdout = self._read_stream(1) if self.stdout is not None else self._nothing()
        stderr = self._read_stream(2) if self.stderr is not None else self._nothing()
        _, out, err = await asyncio.gather(stdin, stdout, stderr)
        await self.wait()
        return out, err


async def create_subprocess_shell(
    cmd: str | bytes,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    limit: int = DEFAULT_LIMIT,
    **kwds: Any,
) -> Process:
    """Run ``cmd`` through the shell, as asyncio's create_subprocess_shell()."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_shell(
        lambda: SubprocessStreamProtocol(limit=limit, loop=loop),
        cmd,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        **kwds,
    )
    return Process(transport, protocol, loop)


async def create_subprocess_exec(
    program: Any,
    *args: Any,
    stdin: Any = None,
    stdout: Any = None,
    stderr: Any = None,
    limit: int = DEFAULT_LIMIT,
    **kwds: Any,
) -> Process:
    """Run ``program`` with ``args``, as asyncio's create_subprocess_exec()."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.subprocess_exec(
        lambda: SubprocessStreamProtocol(limit=limit, loop=loop),
        program,
        *args,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        **kwds,
    )
    return Process(transport, protocol, loop)
