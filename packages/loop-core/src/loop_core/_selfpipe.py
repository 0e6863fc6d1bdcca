"""The loop's wake-up pipe.

Other threads and signal handlers append to the ready queue directly; the
pipe only wakes a loop that sleeps in poll(). It is also the fd given to
``signal.set_wakeup_fd``, whose C-level handler writes one byte per signal,
which is why it is a pipe and not an eventfd (eventfd takes 8-byte writes).
"""

from __future__ import annotations

import os

__all__ = ["SelfPipe"]


class SelfPipe:
    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)

    def wake(self) -> None:
        try:
            os.write(self.write_fd, b"\0")
        except OSError:
            pass  # full (the loop will wake anyway) or closed (loop closing)

    def drain(self) -> None:
        try:
            while os.read(self.read_fd, 4096):
                pass
        except OSError:
            pass  # empty

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.read_fd = self.write_fd = -1
