"""The narrow interface between the loop and the OS readiness API.

One call, ``set(fd, events)``, says what the loop wants to hear about an fd
(0: nothing), and ``poll(timeout, maxevents)`` returns ``[(fd, events)]``.
Events use epoll's bit values on every platform so the loop's dispatch has
one shape.

Facts about epoll that shape this module:

- epoll watches an *open file description*, not an fd number: the kernel
  keys a registration by (description, fd number). Closing an fd removes
  its registration only when no other fd (a ``dup()``, a forked child's
  copy not yet exec'd) refers to the same description.
- Unregistering an fd that was already closed fails with EBADF (ENOENT if
  the number was reused meanwhile). Without a dup the kernel dropped the
  registration at close and there is nothing left to do. With one, the
  registration lives on and cannot be reached: EPOLL_CTL_DEL needs the fd
  number to name that description again. It keeps reporting events under
  the old number, as a busy loop when it stays readable, or as wake-ups
  for whoever watches the number next. The only cure is a fresh epoll
  set: after such a failure we look in ``/proc/self/fdinfo/<epfd>`` (one
  ``tfd:`` line per registration) and rebuild the set from ``masks`` if
  the kernel holds a registration we do not. This costs a read on a path
  that only close-before-remove takes, never on the loop's iteration.
- Regular files cannot be watched (EPERM): that error reaches the caller,
  as it does with asyncio's loop on Linux.
- EPOLLERR and EPOLLHUP are always reported; the loop wakes both the reader
  and the writer for them, so each sees the error on its next call.
- ``epoll.poll()`` allocates room for ``maxevents`` events on every call;
  left out, that is 1023 (12 KiB). The loop passes the number of fds
  registered (no more can be ready), which is an eighth cheaper a call with
  a few fds watched.

Facts about fd reuse:

- The kernel hands out the lowest free fd number, so the number of a
  socket closed while still watched is typically the very next one a new
  socket gets. ``masks`` (and the loop's reader/writer tables) then still
  hold an entry for a number that now names another file, which the
  kernel has never been told about.
- So an entry for a number proves nothing about the file behind it.
  ``renew(fd, events)`` tells the kernel again whatever ``masks`` says:
  EPOLL_CTL_MOD, which fails with ENOENT for a new file (we register it).
  The loop calls it when a watcher is added for a number already watched
  unless it knows the file is the same one (the same open socket object
  that made the entry). It is one syscall on add, none on dispatch.
- asyncio's selectors find the stale key and, the events being equal,
  tell the kernel nothing: a reader added there after a forgotten
  remove_reader() never fires. Ours does.
"""

from __future__ import annotations

import re
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
    def renew(self, fd: int, events: int) -> None: ...
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
                # Closed (or closed and reused): gone from the set, unless
                # a dup keeps the old file open (see above).
                self._drop_stale(fd)
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
                epoll.register(fd, events)  # a new file behind the number
                masks[fd] = events
                self._drop_stale(fd)
            masks[fd] = events

    def renew(self, fd: int, events: int) -> None:
        """Tell the kernel ``events`` for ``fd`` whatever ``masks`` says: the
        number may name a new file since it was registered."""
        try:
            self._epoll.modify(fd, events)
        except FileNotFoundError:
            self._epoll.register(fd, events)
            self.masks[fd] = events
            self._drop_stale(fd)
        else:
            self.masks[fd] = events

    def _drop_stale(self, fd: int) -> None:
        """Rebuild the epoll set if the kernel still holds a registration of
        ``fd`` that ``masks`` does not account for."""
        try:
            with open(f"/proc/self/fdinfo/{self._epoll.fileno()}") as info:
                held = _TFD.findall(info.read()).count(str(fd))
        except OSError:
            held = -1  # cannot tell: rebuild to be sure
        if held == (1 if fd in self.masks else 0):
            return
        fresh = select.epoll()
        for watched, events in self.masks.items():
            try:
                fresh.register(watched, events)
            except OSError:
                pass  # closed while watched: nothing to hear until removed
        old, self._epoll = self._epoll, fresh
        self.poll = fresh.poll
        old.close()

    def close(self) -> None:
        self.masks.clear()
        self._epoll.close()


# One line per registration in an epoll fd's fdinfo: "tfd:  <fd> events: ..."
_TFD = re.compile(r"^tfd:\s*(\d+)", re.MULTILINE)


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

    def renew(self, fd: int, events: int) -> None:
        """Register ``fd`` afresh: the number may name a new file."""
        try:
            self._selector.unregister(fd)
        except (KeyError, OSError, ValueError):
            pass
        self.masks.pop(fd, None)
        self.set(fd, events)

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
