"""SubprocessTransport: a child process, its pipes and its exit, as one
transport with asyncio's SubprocessProtocol callbacks in asyncio's order.

``connection_made`` first; then ``pipe_data_received`` and, per pipe,
``pipe_connection_lost``; ``process_exited`` when the child is reaped; and
``connection_lost(None)`` last, once the child has exited *and* every pipe
is closed. Anything that happens before ``connection_made`` has run is
held back and replayed after it, so the order holds however fast the child.

The child is spawned with the stdlib's ``subprocess.Popen`` (asyncio does
the same; it uses vfork where it can), reaped by a ChildWatch (pidfd where
the kernel has it) and signalled through the pidfd, so a signal can never
reach a recycled pid.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

from ._pipe_transports import ReadPipeTransport, WritePipeTransport
from ._reaper import ChildWatch
from .pipes import connect_read_pipe, connect_write_pipe

__all__ = ["SubprocessTransport"]

# Since 3.14 asyncio's Process.wait() returns at the child's exit (gh-119710);
# before, once every pipe had closed too.
_WAKE_WAITERS_ON_EXIT = sys.version_info >= (3, 14)

logger = logging.getLogger("asyncio")


def _stdio(proc: subprocess.Popen[bytes]) -> list[tuple[int, Any]]:
    pipes = ((0, proc.stdin), (1, proc.stdout), (2, proc.stderr))
    return [(fd, pipe) for fd, pipe in pipes if pipe is not None]


def _same(relay: _PipeProtocol) -> _PipeProtocol:
    return relay


def _loop_pipes_are_ours(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the loop's connect_read/write_pipe are this package's, so
    pipe transports can be made directly instead of through them."""
    read = getattr(loop.connect_read_pipe, "__func__", None)
    write = getattr(loop.connect_write_pipe, "__func__", None)
    return read is connect_read_pipe and write is connect_write_pipe


class _PipeProtocol(asyncio.Protocol):
    """Relays one pipe's events to the SubprocessTransport that owns it."""

    def __init__(self, owner: SubprocessTransport, fd: int) -> None:
        self.owner = owner
        self.fd = fd
        self.pipe: ReadPipeTransport | WritePipeTransport | None = None
        self.disconnected = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} fd={self.fd} pipe={self.pipe!r}>"

    def data_received(self, data: bytes) -> None:
        self.owner._pipe_data_received(self.fd, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.disconnected = True
        self.owner._pipe_connection_lost(self.fd, exc)

    def pause_writing(self) -> None:
        self.owner._protocol.pause_writing()  # type: ignore[union-attr]

    def resume_writing(self) -> None:
        self.owner._protocol.resume_writing()  # type: ignore[union-attr]


class SubprocessTransport(asyncio.SubprocessTransport):
    """What ``subprocess_exec`` / ``subprocess_shell`` return."""

    # Slots: see loop_core.FdTransport (asyncio's BaseTransport has them,
    # which on 3.13 leaves a subclass's instance dict unspecialised).
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_closed",
        "_exit_waiters",
        "_finished",
        "_info",
        "_loop",
        "_pending",
        "_pid",
        "_pipes",
        "_proc",
        "_protocol",
        "_returncode",
        "_watch",
    )
    _protocol: asyncio.SubprocessProtocol | None

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: asyncio.SubprocessProtocol,
        args: Any,
        shell: bool,
        stdin: Any,
        stdout: Any,
        stderr: Any,
        *,
        waiter: asyncio.Future[None] | None = None,
        extra: dict[str, Any] | None = None,
        **popen_kwargs: Any,
    ) -> None:
        # The base keeps this very dict: "subprocess" is added once spawned.
        self._info: dict[str, Any] = dict(extra) if extra else {}
        super().__init__(self._info)
        self._loop: asyncio.AbstractEventLoop | None = loop
        self._protocol = protocol
        self._closed = False
        self._pid: int | None = None
        self._returncode: int | None = None
        self._exit_waiters: list[asyncio.Future[int]] | None = []
        self._pending: list[tuple[Callable[..., object], tuple[Any, ...]]] | None = []
        self._pipes: dict[int, _PipeProtocol] = {}
        self._watch: ChildWatch | None = None
        self._finished = False
        self._proc: subprocess.Popen[bytes] | None = None
        proc = self._spawn(args, shell, stdin, stdout, stderr, popen_kwargs)
        try:
            self._watch = ChildWatch(loop, proc.pid, self._process_exited)
            if _loop_pipes_are_ours(loop):
                self._open_pipes(loop, proc)
        except BaseException:
            self._abort_start(proc)
            raise
        if self._pipes or not any(_stdio(proc)):
            loop.call_soon(self._connected, waiter)
        else:
            # The loop's connect_*_pipe are not ours (overridden, or another
            # loop): go through them, as asyncio does.
            loop.create_task(self._connect_pipes(loop, proc, waiter))

    def _spawn(
        self,
        args: Any,
        shell: bool,
        stdin: Any,
        stdout: Any,
        stderr: Any,
        popen_kwargs: dict[str, Any],
    ) -> subprocess.Popen[bytes]:
        """The child, started; if it cannot be, this transport is closed
        already (Popen cleaned up after itself: nothing is left to close)."""
        try:
            proc = subprocess.Popen(
                args,
                shell=shell,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                universal_newlines=False,
                bufsize=0,
                **popen_kwargs,
            )
        except BaseException:
            self._closed = True
            raise
        self._proc = proc
        self._pid = proc.pid
        self._info["subprocess"] = proc
        return proc

    def _open_pipes(
        self, loop: asyncio.AbstractEventLoop, proc: subprocess.Popen[bytes]
    ) -> None:
        """Our pipe transports over the child's stdio, made at once (the
        loop's connect_*_pipe are ours, so no coroutine is needed)."""
        for fd, pipe in _stdio(proc):
            relay = _PipeProtocol(self, fd)
            cls = WritePipeTransport if fd == 0 else ReadPipeTransport
            relay.pipe = cls(loop, pipe, relay)
            self._pipes[fd] = relay

    async def _connect_pipes(
        self,
        loop: asyncio.AbstractEventLoop,
        proc: subprocess.Popen[bytes],
        waiter: asyncio.Future[None] | None,
    ) -> None:
        try:
            for fd, pipe in _stdio(proc):
                relay = _PipeProtocol(self, fd)
                factory = functools.partial(_same, relay)
                if fd == 0:
                    relay.pipe, _ = await loop.connect_write_pipe(factory, pipe)  # type: ignore[assignment]
                else:
                    relay.pipe, _ = await loop.connect_read_pipe(factory, pipe)  # type: ignore[assignment]
                self._pipes[fd] = relay
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._close_unwrapped(proc)
            # The protocol never had connection_made: it hears nothing more
            # (asyncio's does not either). The caller closes this transport
            # and awaits _wait(), which the exit still wakes.
            self._pending = None
            self._protocol = None
            if waiter is not None and not waiter.cancelled():
                waiter.set_exception(exc)
            return
        self._connected(waiter)

    def __repr__(self) -> str:
        info = [type(self).__name__]
        if self._closed:
            info.append("closed")
        if self._pid is not None:
            info.append(f"pid={self._pid}")
        if self._returncode is not None:
            info.append(f"returncode={self._returncode}")
        elif self._pid is not None:
            info.append("running")
        else:
            info.append("not started")
        for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
            relay = self._pipes.get(fd)
            if relay is not None:
                info.append(f"{name}={relay.pipe!r}")
        return "<{}>".format(" ".join(info))

    def _abort_start(self, proc: subprocess.Popen[bytes]) -> None:
        self._close_unwrapped(proc)
        if self._watch is None:
            proc.kill()
            proc.wait()
            self._returncode = proc.returncode
        self.close()

    def _close_unwrapped(self, proc: subprocess.Popen[bytes]) -> None:
        wrapped = {
            id(relay.pipe.get_extra_info("pipe"))
            for relay in self._pipes.values()
            if relay.pipe is not None
        }
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None and id(pipe) not in wrapped:
                pipe.close()

    # -- events, in order ----------------------------------------------------

    def _connected(self, waiter: asyncio.Future[None] | None) -> None:
        pending, self._pending = self._pending, None
        protocol = self._protocol
        if protocol is not None:
            protocol.connection_made(self)
        for callback, args in pending or ():
            callback(*args)
        if waiter is not None and not waiter.cancelled():
            waiter.set_result(None)

    def _call(self, callback: Callable[..., object], *args: Any) -> None:
        if self._pending is not None:
            self._pending.append((callback, args))
        else:
            callback(*args)

    def _pipe_data_received(self, fd: int, data: bytes) -> None:
        if self._pending is None:
            self._protocol.pipe_data_received(fd, data)  # type: ignore[union-attr]
        else:
            self._pending.append((self._deliver_data, (fd, data)))

    def _deliver_data(self, fd: int, data: bytes) -> None:
        if self._protocol is not None:
            self._protocol.pipe_data_received(fd, data)

    def _pipe_connection_lost(self, fd: int, exc: BaseException | None) -> None:
        self._call(self._deliver_pipe_lost, fd, exc)

    def _deliver_pipe_lost(self, fd: int, exc: BaseException | None) -> None:
        if self._protocol is not None:
            self._protocol.pipe_connection_lost(fd, exc)  # type: ignore[arg-type]
        self._try_finish()

    def _process_exited(self, returncode: int | None) -> None:
        proc = self._proc
        if returncode is None:  # reaped elsewhere: Popen.poll() or a stranger
            if proc is not None and proc.returncode is not None:
                returncode = proc.returncode
            else:
                logger.warning(
                    "child process pid %d exit status already read: "
                    "will report returncode 255",
                    self._pid,
                )
                returncode = 255
        self._returncode = returncode
        if proc is not None and proc.returncode is None:
            # Popen would warn "still running" when collected otherwise.
            proc.returncode = returncode
        self._call(self._deliver_exited)
        if _WAKE_WAITERS_ON_EXIT:
            # gh-119710: wait() returns once the child has exited, even if a
            # grandchild keeps one of its pipes open (never reaching EOF).
            waiters, self._exit_waiters = self._exit_waiters, None
            for fut in waiters or ():
                if not fut.done():
                    fut.set_result(returncode)

    def _deliver_exited(self) -> None:
        if self._protocol is not None:
            self._protocol.process_exited()
        self._try_finish()

    def _try_finish(self) -> None:
        if self._finished or self._returncode is None:
            return
        if all(relay.disconnected for relay in self._pipes.values()):
            self._finished = True
            self._loop.call_soon(self._call_connection_lost)  # type: ignore[union-attr]

    def _call_connection_lost(self) -> None:
        try:
            if self._protocol is not None:
                self._protocol.connection_lost(None)
        finally:
            waiters, self._exit_waiters = self._exit_waiters, None
            for fut in waiters or ():
                if not fut.cancelled():
                    fut.set_result(self._returncode)  # type: ignore[arg-type]
            self._loop = None
            self._proc = None
            self._protocol = None

    # -- the SubprocessTransport API -----------------------------------------

    def get_pid(self) -> int:
        return self._pid  # type: ignore[return-value]

    def get_returncode(self) -> int | None:
        return self._returncode

    def get_pipe_transport(self, fd: int) -> asyncio.BaseTransport | None:
        relay = self._pipes.get(fd)
        return None if relay is None else relay.pipe

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol  # type: ignore[return-value]

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # type: ignore[assignment]

    def is_closing(self) -> bool:
        return self._closed

    def send_signal(self, signal: int) -> None:
        if self._proc is None or self._watch is None:
            raise ProcessLookupError()
        try:
            self._watch.send_signal(signal)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for relay in self._pipes.values():
            if relay.pipe is not None:
                relay.pipe.close()
        proc = self._proc
        if (
            proc is not None
            and self._returncode is None
            # Exited, but not reaped by us yet? (poll() may reap it: the
            # watch then takes the status from the Popen object.)
            and proc.poll() is None
        ):
            if self._loop is not None and self._loop.get_debug():
                logger.warning("Close running child process: kill %r", self)
            try:
                proc.kill()
            except (ProcessLookupError, PermissionError):
                pass

    async def _wait(self) -> int:
        """The exit status (what asyncio's ``Process.wait()`` awaits): once
        the child has exited from Python 3.14, once connection_lost has been
        called before (each as that Python's asyncio)."""
        if self._returncode is not None:
            return self._returncode
        if self._loop is None or self._exit_waiters is None:
            raise ProcessLookupError()
        fut: asyncio.Future[int] = self._loop.create_future()
        self._exit_waiters.append(fut)
        return await fut

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        closed = getattr(self, "_closed", True)
        if not closed:
            _warn(f"unclosed transport {self!r}", ResourceWarning, source=self)
            loop = self._loop
            if loop is not None and not loop.is_closed():
                self.close()
                return
            self._closed = True
        # While a loop watches the child, the watch keeps this object alive:
        # collected unreaped means the loop was closed under it. Kill the
        # child and hand it to a reaping thread, so it is not left a zombie.
        watch = getattr(self, "_watch", None)
        if self._returncode is None and watch is not None and watch.active:
            try:
                watch.send_signal(signal.SIGKILL)
            except OSError:
                pass
            watch.abandon()
            proc = self._proc
            if proc is not None and proc.returncode is None:
                # It is being killed: tell Popen, or it warns "still running".
                proc.returncode = -signal.SIGKILL
