"""One receive buffer per loop, for readers that copy out what they read
before they return.

A loop runs one callback at a time, so every such reader of one loop (the
stream protocols, the TLS protocol, the datagram transport) can share a
buffer: 256 KiB per connection would add up on a busy server, and a fresh
``bytes`` of that size per read is worse (glibc's malloc serves it with
``mmap()`` until some large ``free()`` raises that threshold: three system
calls and page faults per read). Per loop is also per thread, so readers on
different threads never share one.

The buffers are kept by loop in a ``WeakKeyDictionary``, not on the loop:
the readers also run on asyncio's own loops.
"""

from __future__ import annotations

import asyncio
import weakref

__all__ = ["SCRATCH_SIZE", "scratch_buffer"]

#: The shared buffer's size: asyncio's transports read up to this much at
#: once, and it bounds what a paused stream holds on top of its limit.
SCRATCH_SIZE = 256 * 1024

_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, memoryview] = (
    weakref.WeakKeyDictionary()
)


def scratch_buffer(
    loop: asyncio.AbstractEventLoop, size: int = SCRATCH_SIZE
) -> memoryview:
    """``loop``'s shared receive buffer, for a reader that empties it before
    its callback returns.

    A larger ``size`` than ``SCRATCH_SIZE``, or a loop that takes no weak
    references, gets a buffer of its own: sharing is an optimisation, never
    a reason for a short read."""
    if size > SCRATCH_SIZE:
        return memoryview(bytearray(size))
    try:
        buffer = _shared.get(loop)
        if buffer is None:
            buffer = _shared[loop] = memoryview(bytearray(SCRATCH_SIZE))
    except TypeError:
        return memoryview(bytearray(SCRATCH_SIZE))
    return buffer
