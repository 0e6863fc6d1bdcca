"""The loop's wake-up pipe.

Other threads and signal handlers append to the ready queue directly; the
pipe only wakes a loop that sleeps in poll(). It is also the fd given to
``signal.set_wakeup_fd``, whose C-level handler writes one byte per signal,
which is why it is a pipe and not an eventfd (eventfd takes 8-byte writes).

``wake()`` runs in other threads while the loop's thread may be closing
the pipe. A lock keeps the two apart, so a wake-up is never written to a
closed fd whose number was meanwhile reused for somebody else's file. It
costs nothing worth measuring: it is taken only beside a syscall.

The lock is re-entrant because a signal handler can run ``wake()`` inside
``wake()`` in the same thread: a second signal arriving, between two
bytecodes, while the handler of the first one holds the lock. With a plain
lock that thread would wait for itself forever. Re-entry is safe: only
``close()`` changes the fds, and it never calls ``wake()``.
"""

from __future__ import annotations

import os
import threading

__all__ = ["SelfPipe"]


class SelfPipe:
    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)
        self._lock = threading.RLock()

    def wake(self) -> None:
        with self._lock:
            if self.write_fd < 0:
                return  # closed
            try:
                os.write(self.write_fd, b"\0")
            except OSError:
                pass  # full: the loop will wake anyway

    def drain(self) -> None:
        try:
            while os.read(self.read_fd, 4096):
                pass
        except OSError:
            pass  # empty

    def close(self) -> None:
        with self._lock:
            fds = (self.read_fd, self.write_fd)
            self.read_fd = self.write_fd = -1
        for fd in fds:
            if fd < 0:
                continue
            try:
                os.close(fd)
            except OSError:
                pass
