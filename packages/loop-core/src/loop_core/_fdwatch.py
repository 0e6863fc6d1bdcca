"""Watching fds: add/remove_reader and add/remove_writer.

The loop keeps one Handle per fd and direction; the poller is told the
union of what is wanted. A handle replaced by a second add_reader() is
cancelled, as in asyncio.

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

__all__ = ["FdWatchMixin", "fileobj_to_fd"]

_Ts = TypeVarTuple("_Ts")


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


def fileobj_to_fd(fileobj: int | _HasFileno) -> int:
    """An fd from an int or an object with fileno(); ValueError otherwise."""
    if isinstance(fileobj, int):
        fd = fileobj
    else:
        try:
            fd = int(fileobj.fileno())
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"Invalid file object: {fileobj!r}") from None
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

    def _check_fd_free(self, fileobj: int | _HasFileno) -> None:
        transport = self._fd_transports.get(fileobj_to_fd(fileobj))
        if transport is not None and not transport.is_closing():
            raise RuntimeError(
                f"File descriptor {fileobj!r} is used by transport {transport!r}"
            )

    def _watch_reader(
        self, fd: int, callback: Callable[..., object], *args: Any
    ) -> None:
        self._watch(fd, callback, args, self._readers, self._writers, POLLIN, POLLOUT)

    def _unwatch_reader(self, fd: int) -> bool:
        return self._unwatch(fd, self._readers, self._writers, POLLOUT)

    def _watch_writer(
        self, fd: int, callback: Callable[..., object], *args: Any
    ) -> None:
        self._watch(fd, callback, args, self._writers, self._readers, POLLOUT, POLLIN)

    def _unwatch_writer(self, fd: int) -> bool:
        return self._unwatch(fd, self._writers, self._readers, POLLIN)

    def _watch(
        self,
        fileobj: int | _HasFileno,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        mine: dict[int, Handle],
        other: dict[int, Handle],
        mine_bit: int,
        other_bit: int,
    ) -> None:
        self._check_closed()
        fd = fileobj_to_fd(fileobj)
        handle = Handle(callback, args, self, None)  # type: ignore[arg-type]
        old = mine.get(fd)
        if old is None:
            # Tell the poller first: a bad fd must fail before we record it.
            self._poller.set(fd, mine_bit | (other_bit if fd in other else 0))
        else:
            old.cancel()
        mine[fd] = handle

    def _unwatch(
        self,
        fileobj: int | _HasFileno,
        mine: dict[int, Handle],
        other: dict[int, Handle],
        other_bit: int,
    ) -> bool:
        if self.is_closed():
            return False
        fd = fileobj_to_fd(fileobj)
        handle = mine.pop(fd, None)
        if handle is None:
            return False
        handle.cancel()
        self._poller.set(fd, other_bit if fd in other else 0)
        return True

    def add_reader(
        self,
        fd: int | _HasFileno,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
    ) -> None:
        if self._fd_transports:
            self._check_fd_free(fd)
        self._watch(fd, callback, args, self._readers, self._writers, POLLIN, POLLOUT)

    def remove_reader(self, fd: int | _HasFileno) -> bool:
        if self._fd_transports:
            self._check_fd_free(fd)
        return self._unwatch(fd, self._readers, self._writers, POLLOUT)

    def add_writer(
        self,
        fd: int | _HasFileno,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
    ) -> None:
        if self._fd_transports:
            self._check_fd_free(fd)
        self._watch(fd, callback, args, self._writers, self._readers, POLLOUT, POLLIN)

    def remove_writer(self, fd: int | _HasFileno) -> bool:
        if self._fd_transports:
            self._check_fd_free(fd)
        return self._unwatch(fd, self._writers, self._readers, POLLIN)

    if TYPE_CHECKING:  # provided by the loop

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
