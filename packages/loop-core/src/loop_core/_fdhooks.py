"""How an FdTransport reaches its fd: the system calls behind its ``fd_*``
hooks, and the loop's watchers for the fd.

Both are looked up once, when the transport is made, so that the read and
write paths call them without asking again. A hook that is not overridden
becomes a function of the fd (``os.read`` with the fd bound), not a bound
method: that would put the transport in a reference cycle, and an unclosed
one would then close its fd (and warn) only when the cycle collector runs.
A subclass may provide a hook as a property returning a C function
(SocketTransport returns its socket's methods), sparing a Python frame per
system call.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fdtransport import FdTransport

__all__ = ["io_hooks", "watchers"]

_Watchers = tuple[
    Callable[..., Any], Callable[[int], Any], Callable[..., Any], Callable[[int], Any]
]


def _readv_into(fd: int) -> Callable[[memoryview], int]:
    def read_into(buffer: memoryview) -> int:
        return os.readv(fd, [buffer])

    return read_into


def io_hooks(
    transport: FdTransport, base: type[FdTransport]
) -> tuple[Callable[..., Any], ...]:
    """(read, read_into, write, writev) for ``transport``: its overrides of
    ``base``'s ``fd_*`` hooks, or the system calls on its fd."""
    cls = type(transport)
    fd = transport._fd
    return (
        partial(os.read, fd) if cls.fd_read is base.fd_read else transport.fd_read,
        _readv_into(fd)
        if cls.fd_read_into is base.fd_read_into
        else transport.fd_read_into,
        partial(os.write, fd) if cls.fd_write is base.fd_write else transport.fd_write,
        partial(os.writev, fd)
        if cls.fd_writev is base.fd_writev
        else transport.fd_writev,
    )


def watchers(
    loop: asyncio.AbstractEventLoop, fd: int, transport: FdTransport
) -> _Watchers:
    """(add_reader, remove_reader, add_writer, remove_writer) for ``fd``.

    On our loop the fd is registered as the transport's (the public
    add_reader() then refuses it) and watched without that check; elsewhere
    (asyncio's loop) through the public methods."""
    claim = getattr(loop, "_transport_watchers", None)
    if claim is not None:
        return claim(fd, transport)  # type: ignore[no-any-return]
    return (loop.add_reader, loop.remove_reader, loop.add_writer, loop.remove_writer)
