"""FlowControlMixin: what StreamWriter.drain() waits on.

The protocol side of write flow control: the transport calls
``pause_writing()`` / ``resume_writing()`` around its high / low water marks,
and ``connection_lost()`` ends every wait, with the connection's error if it
had one. StreamReaderProtocol and the subprocess protocol both build on it.
"""

from __future__ import annotations

import asyncio
import collections
from asyncio import events

__all__ = ["FlowControlMixin"]


class FlowControlMixin(asyncio.Protocol):
    """pause_writing / resume_writing / connection_lost for drain()."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = events.get_event_loop() if loop is None else loop
        self._paused = False
        self._drain_waiters: collections.deque[asyncio.Future[None]] = (
            collections.deque()
        )
        self._connection_lost = False

    def pause_writing(self) -> None:
        assert not self._paused
        self._paused = True

    def resume_writing(self) -> None:
        assert self._paused
        self._paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connection_lost = True
        if not self._paused:
            return
        for waiter in self._drain_waiters:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(exc)

    async def _drain_helper(self) -> None:
        if self._connection_lost:
            raise ConnectionResetError("Connection lost")
        if not self._paused:
            return
        waiter = self._loop.create_future()
        self._drain_waiters.append(waiter)
        try:
            await waiter
        finally:
            self._drain_waiters.remove(waiter)

    def _get_close_waiter(self, stream: object) -> asyncio.Future[None]:
        raise NotImplementedError
