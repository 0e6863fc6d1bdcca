"""One read buffer per loop, for readers that copy out what they read
before returning.

A loop runs one callback at a time, so every such reader of one loop can
share a buffer: 256 KiB per connection would add up on a busy server, and a
fresh ``bytes`` of that size per read is worse (glibc's malloc serves it with
``mmap()`` until some large ``free()`` raises that threshold: three system
calls and page faults per read).
"""

from __future__ import annotations

import asyncio
import weakref

__all__ = ["SCRATCH_SIZE", "loop_scratch"]

SCRATCH_SIZE = 256 * 1024  # asyncio's transports read up to this much at once

_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, memoryview] = (
    weakref.WeakKeyDictionary()
)


def loop_scratch(loop: asyncio.AbstractEventLoop) -> memoryview:
    """``loop``'s shared buffer of SCRATCH_SIZE bytes (a new one if the loop
    takes no weak references)."""
    try:
        buffer = _shared.get(loop)
        if buffer is None:
            buffer = _shared[loop] = memoryview(bytearray(SCRATCH_SIZE))
        return buffer
    except TypeError:
        return memoryview(bytearray(SCRATCH_SIZE))
