"""The narrow interface between the loop and the OS readiness API.

One call, ``set(fd, events)``, says what the loop wants to hear about an fd
(0: nothing), and ``poll(timeout, maxevents)`` returns ``[(fd, events)]``.
Events use epoll's bit values on every platform so the loop's dispatch has
one shape.

Facts about epoll that shape this module:

- epoll watches an *open file description*, not an fd number. Closing an fd
  removes its registration only when no other fd (a ``dup()``, a forked
  child's copy) refers to the same description. So an fd number can be
  closed and reused while the kernel still holds the old registration:
  ``EPOLL_CTL_MOD`` then fails with ENOENT for the new file (we register it)
  and ``EPOLL_CTL_ADD`` may fail with EEXIST (we modify instead).
- Unregistering an fd that was already closed fails with EBADF; the kernel
  dropped it at close, so there is nothing left to do and we ignore it.
- Regular files cannot be watched (EPERM): that error reaches the caller,
  as it does with asyncio's loop on Linux.
- EPOLLERR and EPOLLHUP are always reported; the loop wakes both the reader
  and the writer for them, so each sees the error on its next call.
- ``epoll.poll()`` allocates room for ``maxevents`` events on every call;
  left out, that is 1023 (12 KiB). The loop passes the number of fds
  registered (no more can be ready), which is an eighth cheaper a call with
  a few fds watched.
"""

from __future__ import annotations

import select
import selectors
from typing import Protocol

__all__ = ["POLLIN", "POLLOUT", "Poller", "make_poller"]

POLLIN = 0x001
POLLOUT = 0x004
POLLERR = 0x008
POLLHUP = 0x010
# What wakes a reader, what wakes a writer.
READ_EVENTS = POLLIN | POLLERR | POLLHUP
WRITE_EVENTS = POLLOUT | POLLERR | POLLHUP


class Poller(Protocol):
    masks: dict[int, int]

    def set(self, fd: int, events: int) -> None: ...
    def poll(self, timeout: float, maxevents: int) -> list[tuple[int, int]]: ...
    def close(self) -> None: ...


class EpollPoller:
    """Level-triggered epoll; ``masks`` mirrors what the kernel was told."""

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self.masks: dict[int, int] = {}
        self.poll = self._epoll.poll

    def set(self, fd: int, events: int) -> None:
        masks = self.masks
        old = masks.get(fd, 0)
        if events == old:
            return
        epoll = self._epoll
        if not events:
            del masks[fd]
            try:
                epoll.unregister(fd)
            except OSError:
                pass  # closed already: the kernel dropped it
        elif not old:
            try:
                epoll.register(fd, events)
            except FileExistsError:
                epoll.modify(fd, events)
            masks[fd] = events
        else:
            try:
                epoll.modify(fd, events)
            except FileNotFoundError:
                epoll.register(fd, events)
            masks[fd] = events

    def close(self) -> None:
        self.masks.clear()
        self._epoll.close()


class SelectorsPoller:
    """The portable fallback (kqueue, poll or select) via ``selectors``."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self.masks: dict[int, int] = {}

    def set(self, fd: int, events: int) -> None:
        masks = self.masks
        old = masks.get(fd, 0)
        if events == old:
            return
        wanted = (selectors.EVENT_READ if events & POLLIN else 0) | (
            selectors.EVENT_WRITE if events & POLLOUT else 0
        )
        if not events:
            del masks[fd]
            try:
                self._selector.unregister(fd)
            except (KeyError, OSError, ValueError):
                pass
            return
        if old:
            try:
                self._selector.modify(fd, wanted)
            except KeyError:
                self._selector.register(fd, wanted)
        else:
            self._selector.register(fd, wanted)
        masks[fd] = events

    def poll(self, timeout: float, maxevents: int) -> list[tuple[int, int]]:
        ready = self._selector.select(None if timeout < 0 else timeout)
        return [
            (
                key.fd,
                (POLLIN if ev & selectors.EVENT_READ else 0)
                | (POLLOUT if ev & selectors.EVENT_WRITE else 0),
            )
            for key, ev in ready
        ]

    def close(self) -> None:
        self.masks.clear()
        self._selector.close()


def make_poller(kind: str | None = None) -> Poller:
    """``"epoll"`` where the OS has it, else ``"selectors"``."""
    if kind is None:
        kind = "epoll" if hasattr(select, "epoll") else "selectors"
    if kind == "epoll":
        return EpollPoller()
    if kind == "selectors":
        return SelectorsPoller()
    raise ValueError(f"unknown poller {kind!r}: expected 'epoll' or 'selectors'")
