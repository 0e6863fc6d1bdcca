"""Watching fds: add/remove_reader and add/remove_writer.

The loop keeps one Handle per fd and direction; the poller is told the
union of what is wanted. A handle replaced by a second add_reader() is
cancelled, as in asyncio.

A registration is found the way asyncio's selectors find it: by the fd the
object names, or, once the object is closed (``fileno()`` is -1), by the
object itself, so close-then-remove_reader() works and returns True. A
number already watched is told to the poller again when it is added
through anything but the object that made the entry: the number may name
a new file by now (see "Facts about fd reuse" in ``_poller``).

An fd that an open FdTransport owns is off limits to the public methods
(RuntimeError, as asyncio): a second watcher would silently steal the
transport's readiness events. The transport itself watches through the
unchecked ``_watch_*`` functions that ``_transport_watchers`` hands it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVarTuple, Unpack

from ._handles import Handle
from ._poller import POLLIN, POLLOUT, Poller

__all__ = ["FdWatchMixin", "fileno_of", "fileobj_to_fd"]

_Ts = TypeVarTuple("_Ts")


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


def fileno_of(fileobj: int | _HasFileno) -> int:
    """The int, or what ``fileno()`` says (-1 for a closed socket);
    ValueError for anything else."""
    if isinstance(fileobj, int):
        return fileobj
    try:
        return int(fileobj.fileno())
    except (AttributeError, TypeError, ValueError):
        raise ValueError(f"Invalid file object: {fileobj!r}") from None


def fileobj_to_fd(fileobj: int | _HasFileno) -> int:
    """An fd from an int or an object with fileno(); ValueError otherwise."""
    fd = fileno_of(fileobj)
    if fd < 0:
        raise ValueError(f"Invalid file descriptor: {fd}")
    return fd


class _Transport(Protocol):
    def is_closing(self) -> bool: ...


_Watchers = tuple[
    Callable[..., None],
    Callable[[int], bool],
    Callable[..., None],
    Callable[[int], bool],
]


class FdWatchMixin:
    _poller: Poller
    _readers: dict[int, Handle]
    _writers: dict[int, Handle]
    # The object each watched fd was added with: how a closed object finds
    # its registration, and how _watch tells the same file from a new one.
    _fd_objects: dict[int, object]
    _fd_transports: weakref.WeakValueDictionary[int, Any]

    def _transport_watchers(self, fd: int, transport: _Transport) -> _Watchers:
        """Record ``transport`` as the owner of ``fd``; return its unchecked
        (add_reader, remove_reader, add_writer, remove_writer)."""
        self._fd_transports[fd] = transport
        return (
            self._watch_reader,
            self._unwatch_reader,
            self._watch_writer,
            self._unwatch_writer,
        )

    def _check_fd_free(self, fileobj: object, fd: int) -> None:
        transport = self._fd_transports.get(fd)
        if transport is not None and not transport.is_closing():
            raise RuntimeError(
                f"File descriptor {fileobj!r} is used by transport {transport!r}"
            )

    def _registered_fd(self, fileobj: object, fd: int) -> int:
        """``fd`` of a closed object (negative): the fd it was added with."""
        for watched, obj in self._fd_objects.items():
            if obj is fileobj:
                return watched
        raise ValueError(f"Invalid file descriptor: {fd}")

    def _watch_reader(
        self, fd: int, callback: Callable[..., object], *args: Any
    ) -> None:
        self._watch(
            fd, fd, callback, args, self._readers, self._writers, POLLIN, POLLOUT
        )

    def _unwatch_reader(self, fd: int) -> bool:
        return self._unwatch(fd, fd, self._readers, self._writers, POLLOUT)

    def _watch_writer(
        self, fd: int, callback: Callable[..., object], *args: Any
    ) -> None:
        self._watch(
            fd, fd, callback, args, self._writers, self._readers, POLLOUT, POLLIN
        )

    def _unwatch_writer(self, fd: int) -> bool:
        return self._unwatch(fd, fd, self._writers, self._readers, POLLIN)

    def _watch(
        self,
        fileobj: object,
        fd: int,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        mine: dict[int, Handle],
        other: dict[int, Handle],
        mine_bit: int,
        other_bit: int,
    ) -> None:
        self._check_closed()
        objects = self._fd_objects
        if fd < 0:
            # A closed object still watched: swap the handle, as asyncio
            # does; the kernel has nothing left to tell.
            fd = self._registered_fd(fileobj, fd)
            known = objects[fd] is fileobj
        else:
            known = False
        handle = Handle(callback, args, self, None)  # type: ignore[arg-type]
        old = mine.get(fd)
        if old is None and fd not in other:
            # Tell the poller first: a bad fd must fail before we record it.
            self._poller.set(fd, mine_bit)
            objects[fd] = fileobj
        elif known:
            pass
        else:
            events = mine_bit | (other_bit if fd in other else 0)
            if objects.get(fd) is fileobj and not isinstance(fileobj, int):
                # The same open object: the same file.
                self._poller.set(fd, events)
            else:
                # Maybe a new file behind an old number (fd reuse).
                self._poller.renew(fd, events)
                if not isinstance(fileobj, int):
                    objects[fd] = fileobj
        if old is not None:
            old.cancel()
        mine[fd] = handle

    def _unwatch(
        self,
        fileobj: object,
        fd: int,
        mine: dict[int, Handle],
        other: dict[int, Handle],
        other_bit: int,
    ) -> bool:
        if self.is_closed():
            return False
        if fd < 0:
            fd = self._registered_fd(fileobj, fd)
        handle = mine.pop(fd, None)
        if handle is None:
            return False
        handle.cancel()
        if fd in other:
            try:
                self._poller.set(fd, other_bit)
            except OSError:
                pass  # closed: the other watcher goes when it is removed
        else:
            self._fd_objects.pop(fd, None)
            self._poller.set(fd, 0)
        return True

    def add_reader(
        self,
        fd: int | _HasFileno,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
    ) -> None:
        fileno = fileno_of(fd)
        if self._fd_transports:
            self._check_fd_free(fd, fileno)
        self._watch(
            fd, fileno, callback, args, self._readers, self._writers, POLLIN, POLLOUT
        )

    def remove_reader(self, fd: int | _HasFileno) -> bool:
        fileno = fileno_of(fd)
        if self._fd_transports:
            self._check_fd_free(fd, fileno)
        return self._unwatch(fd, fileno, self._readers, self._writers, POLLOUT)

    def add_writer(
        self,
        fd: int | _HasFileno,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
    ) -> None:
        fileno = fileno_of(fd)
        if self._fd_transports:
            self._check_fd_free(fd, fileno)
        self._watch(
            fd, fileno, callback, args, self._writers, self._readers, POLLOUT, POLLIN
        )

    def remove_writer(self, fd: int | _HasFileno) -> bool:
        fileno = fileno_of(fd)
        if self._fd_transports:
            self._check_fd_free(fd, fileno)
        return self._unwatch(fd, fileno, self._writers, self._readers, POLLIN)

    if TYPE_CHECKING:  # provided by the loop

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
