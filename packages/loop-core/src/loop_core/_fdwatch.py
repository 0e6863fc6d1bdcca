"""Watching fds: add/remove_reader and add/remove_writer.

The loop keeps one Handle per fd and direction; the poller is told the
union of what is wanted. A handle replaced by a second add_reader() is
cancelled, as in asyncio.
"""

from __future__ import annotations

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


class FdWatchMixin:
    _poller: Poller
    _readers: dict[int, Handle]
    _writers: dict[int, Handle]

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
        self._watch(fd, callback, args, self._readers, self._writers, POLLIN, POLLOUT)

    def remove_reader(self, fd: int | _HasFileno) -> bool:
        return self._unwatch(fd, self._readers, self._writers, POLLOUT)

    def add_writer(
        self,
        fd: int | _HasFileno,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
    ) -> None:
        self._watch(fd, callback, args, self._writers, self._readers, POLLOUT, POLLIN)

    def remove_writer(self, fd: int | _HasFileno) -> bool:
        return self._unwatch(fd, self._writers, self._readers, POLLIN)

    if TYPE_CHECKING:  # provided by the loop

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
