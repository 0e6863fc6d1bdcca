"""Reaping children: each one waited for exactly once, with no global state.

Where the kernel has pidfds (Linux 5.3+), a child is watched through a
pidfd registered with ``loop.add_reader``: the fd turns readable when the
child exits, and ``waitid(P_PIDFD, ...)`` then reaps exactly that child,
immune to pid reuse. No thread, no SIGCHLD handler, nothing shared between
loops: two loops in two threads each watch their own children.

Elsewhere (or when pidfd_open fails, e.g. out of fds) one short-lived
thread per child blocks in ``waitpid(pid, 0)`` and hands the status to the
loop with ``call_soon_threadsafe``.

A child whose watch is abandoned before it exited (its loop was closed, or
its transport garbage-collected) is handed to such a thread, so it never
stays a zombie.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable

__all__ = ["ChildWatch", "pidfd_supported"]

_EXITED = 1  # CLD_EXITED; CLD_KILLED and CLD_DUMPED mean a signal


def _probe_pidfd() -> bool:
    if not (hasattr(os, "pidfd_open") and hasattr(os, "P_PIDFD")):
        return False
    try:
        fd = os.pidfd_open(os.getpid())
    except OSError:
        return False
    os.close(fd)
    return True


_PIDFD = _probe_pidfd()


def pidfd_supported() -> bool:
    """Whether children are watched with pidfds here (no threads)."""
    return _PIDFD


def _wait_blocking(pid: int) -> int | None:
    """The exit status; None if somebody else reaped the child."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def _reap_in_thread(pid: int) -> None:
    if sys.is_finalizing():
        # No new thread can run now; the exiting interpreter's children
        # are reparented to init, which reaps them.
        return
    threading.Thread(
        target=_wait_blocking, args=(pid,), name=f"reap-{pid}", daemon=True
    ).start()


class ChildWatch:
    """Calls ``callback(returncode)`` on ``loop`` once child ``pid`` exits
    (``None`` if somebody else reaped it first)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pid: int,
        callback: Callable[[int | None], object],
        *,
        use_pidfd: bool | None = None,
    ) -> None:
        self._loop = loop
        self._pid = pid
        self._callback: Callable[[int | None], object] | None = callback
        self._reaped = False
        self._pidfd = -1
        if use_pidfd is None:
            use_pidfd = _PIDFD
        if use_pidfd:
            try:
                self._pidfd = os.pidfd_open(pid)
            except OSError:
                self._pidfd = -1
        self.uses_pidfd = self._pidfd >= 0
        if self.uses_pidfd:
            try:
                loop.add_reader(self._pidfd, self._pidfd_ready)
            except BaseException:
                os.close(self._pidfd)
                self._pidfd = -1
                raise
        else:
            threading.Thread(
                target=self._thread_wait, name=f"waitpid-{pid}", daemon=True
            ).start()

    @property
    def active(self) -> bool:
        """Still to report an exit (the child is not reaped yet)."""
        return self._callback is not None and not self._reaped

    def _pidfd_ready(self) -> None:
        try:
            info = os.waitid(os.P_PIDFD, self._pidfd, os.WEXITED | os.WNOHANG)
        except ChildProcessError:
            returncode = None  # reaped elsewhere (Popen.poll(), os.wait())
        else:
            if info is None:  # woken early: not exited yet
                return
            returncode = info.si_status if info.si_code == _EXITED else -info.si_status
        self._release_pidfd()
        self._deliver(returncode)

    def _release_pidfd(self) -> None:
        self._reaped = True
        pidfd, self._pidfd = self._pidfd, -1
        if pidfd >= 0:
            if not self._loop.is_closed():
                self._loop.remove_reader(pidfd)
            os.close(pidfd)

    def _thread_wait(self) -> None:
        returncode = _wait_blocking(self._pid)
        self._reaped = True
        try:
            self._loop.call_soon_threadsafe(self._deliver, returncode)
        except RuntimeError:
            pass  # the loop is closed: the child is reaped all the same

    def _deliver(self, returncode: int | None) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            callback(returncode)

    def send_signal(self, sig: int) -> None:
        """Signal the child unless it is reaped (its pid may be reused)."""
        if self._reaped:
            return
        if self._pidfd >= 0:
            signal.pidfd_send_signal(self._pidfd, sig)
        else:
            os.kill(self._pid, sig)

    def abandon(self) -> None:
        """Stop reporting; make sure the child is still reaped eventually.

        For a watch whose loop is gone (or closing): a waiting thread takes
        the child over, so it does not stay a zombie.
        """
        self._callback = None
        if self._pidfd >= 0 and not self._reaped:
            self._release_pidfd()
            _reap_in_thread(self._pid)

    def __del__(self) -> None:
        # Collected while still watching (its loop was closed under it):
        # close the pidfd and let a thread reap the child.
        if getattr(self, "_pidfd", -1) >= 0:
            self.abandon()
