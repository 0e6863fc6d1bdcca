"""WriteFlowControl: the write side of asyncio's flow control, written once.

Every transport that queues what it cannot send yet (FdTransport, the
datagram transport, the TLS transport) tells its protocol to stop writing
with ``pause_writing()`` once the queue passes the high-water mark, and to
go on with ``resume_writing()`` once it drains to the low one. This base
owns that state and those calls, so the transports only keep the queue.

A subclass provides ``_buffer_size`` (a slot it updates, or a property: the
TLS transport's queue is partly inside OpenSSL's BIO), ``_protocol`` and
``_loop``, and calls ``_maybe_pause_protocol()`` after queueing and
``_maybe_resume_protocol()`` after draining. The checks read plain
attributes, since they run on every queued write and every drain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["WriteFlowControl"]


class WriteFlowControl(asyncio.Transport):
    """Water marks, ``pause_writing()`` and ``resume_writing()`` for a
    transport's write queue, with asyncio's defaults and checks."""

    __slots__ = ("_high_water", "_low_water", "_writing_paused")

    # Provided by the subclass.
    _buffer_size: int
    _protocol: asyncio.BaseProtocol
    _loop: asyncio.AbstractEventLoop | None

    #: The high-water mark when none is given (the low one is a quarter).
    default_high_water = 64 * 1024
    #: asyncio's socket and datagram transports pause once the queue is
    #: above the high-water mark; its TLS transport once it reaches it.
    pause_at_high_water = False

    def __init__(self, extra: dict[str, Any] | None = None) -> None:
        super().__init__(extra)
        self._writing_paused = False
        self._high_water, self._low_water = self._water_marks(None, None)

    def _water_marks(self, high: int | None, low: int | None) -> tuple[int, int]:
        if high is None:
            high = self.default_high_water if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        return high, low

    def get_write_buffer_size(self) -> int:
        return self._buffer_size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(
        self, high: int | None = None, low: int | None = None
    ) -> None:
        self._high_water, self._low_water = self._water_marks(high, low)
        self._maybe_pause_protocol()

    @property
    def _protocol_paused(self) -> bool:
        # asyncio's sendfile fallback reads this to wait for resume_writing().
        return self._writing_paused

    def _maybe_pause_protocol(self) -> None:
        if self._writing_paused:
            return
        size = self._buffer_size
        if size > self._high_water or (
            size == self._high_water and self.pause_at_high_water
        ):
            self._writing_paused = True
            self._call_protocol(self._protocol.pause_writing, "pause_writing")

    def _maybe_resume_protocol(self) -> None:
        if self._writing_paused and self._buffer_size <= self._low_water:
            self._writing_paused = False
            self._call_protocol(self._protocol.resume_writing, "resume_writing")

    def _call_protocol(self, method: Callable[[], object], what: str) -> None:
        """Call a flow-control method; its errors go to the exception
        handler, as asyncio's transports report them."""
        try:
            method()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            if self._loop is None:
                raise
            self._loop.call_exception_handler(
                {
                    "message": f"protocol.{what}() failed",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )
