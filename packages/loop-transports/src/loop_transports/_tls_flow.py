"""TLSFlow: who has paused whom on a TLS connection.

Four facts, each with one owner here: the application paused reading; the
raw transport was paused (by us) because ciphertext piles up undecrypted
in the pump; the raw transport paused our writing; and who to tell when
the write buffer may have crossed a water mark (the application's
transport, whose marks they are: ``loop_core.WriteFlowControl``).
TLSProtocol owns one and calls it; it calls only the raw transport's
``pause_reading()``/``resume_reading()`` and that listener.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["TLSFlow", "WriteBufferListener"]

#: Called with ``may_pause``: False when only a resume can be due (a read
#: that made no output), True when the buffer may have grown as well.
WriteBufferListener = Callable[[bool], None]


def read_water_marks(high: int | None, low: int | None) -> tuple[int, int]:
    """Ciphertext waiting in the pump, with asyncio's TLS defaults:
    256 KiB, and a quarter of the high mark."""
    if high is None:
        high = 256 * 1024 if low is None else 4 * low
    if low is None:
        low = high // 4
    if not high >= low >= 0:
        raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
    return high, low


class TLSFlow:
    """Flow control of one TLS connection, both directions."""

    __slots__ = (
        "_high",
        "_listener",
        "_low",
        "_raw_reading_paused",
        "app_reading_paused",
        "raw_writing_paused",
    )

    def __init__(self) -> None:
        #: The application called pause_reading(): plaintext waits.
        self.app_reading_paused = False
        #: The raw transport called our pause_writing(): ciphertext waits.
        self.raw_writing_paused = False
        self._raw_reading_paused = False
        self._high, self._low = read_water_marks(None, None)
        self._listener: WriteBufferListener | None = None

    def set_read_limits(self, high: int | None, low: int | None) -> None:
        self._high, self._low = read_water_marks(high, low)

    @property
    def read_limits(self) -> tuple[int, int]:
        """(low, high), as ``get_read_buffer_limits()`` returns them."""
        return (self._low, self._high)

    def check_raw_reading(self, raw: asyncio.ReadTransport, pending: int) -> None:
        """Pause or resume the raw transport for ``pending`` bytes of
        ciphertext not yet decrypted."""
        if pending >= self._high and not self._raw_reading_paused:
            self._raw_reading_paused = True
            raw.pause_reading()
        elif pending <= self._low and self._raw_reading_paused:
            self._raw_reading_paused = False
            raw.resume_reading()

    def listen(self, listener: WriteBufferListener | None) -> None:
        """The one listener told of write-buffer changes (None: nobody)."""
        self._listener = listener

    def tell(self, may_pause: bool) -> None:
        listener = self._listener
        if listener is not None:
            listener(may_pause)
