"""The argument checks of ``sock_sendfile`` and ``sendfile``, written once.

Both are asyncio's: the same errors, in the same order, whichever of the
two is called (``sendfile`` has no socket to check; loop-transports calls
this through ``loop_core.check_sendfile_args``).
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["check_sendfile_args"]


def check_sendfile_args(
    file: Any, offset: object, count: object, sock: socket.socket | None = None
) -> None:
    """asyncio's ValueError or TypeError for a text file, a socket that is
    not SOCK_STREAM, a count that is not a positive int (None is "to the
    end") or an offset that is not a non-negative int."""
    if "b" not in getattr(file, "mode", "b"):
        raise ValueError("file should be opened in binary mode")
    if sock is not None and sock.type != socket.SOCK_STREAM:
        raise ValueError("only SOCK_STREAM type sockets are supported")
    if count is not None:
        if not isinstance(count, int):
            raise TypeError(f"count must be a positive integer (got {count!r})")
        if count <= 0:
            raise ValueError(f"count must be a positive integer (got {count!r})")
    if not isinstance(offset, int):
        raise TypeError(f"offset must be a non-negative integer (got {offset!r})")
    if offset < 0:
        raise ValueError(f"offset must be a non-negative integer (got {offset!r})")
