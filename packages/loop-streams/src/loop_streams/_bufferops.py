"""The reader buffer's two hot operations where CPython and PyPy need
different code, chosen here at import: finding a separator, and copying
out a prefix. Both variants of each are tested on both interpreters.

**Finding.** The buffer is a bytearray. On CPython ``bytearray.find`` is
the same search as ``bytes.find`` (memchr for a one-byte separator): 0.7 µs
over 64 KiB. PyPy's ``bytearray.find`` compares byte by byte: 98 µs over
64 KiB, while copying the bytes out and searching the copy with
``bytes.find`` takes 22 µs (1 KiB: 1.4 µs against 0.32 µs). readline() of
64 KiB lines spent 60% of its time in that search on PyPy (vmprof). So PyPy
copies and CPython searches in place. Only bytes not yet searched are
copied (readuntil moves ``offset`` past what it has seen), in windows that
double, so a line costs about two copies of itself however much is
buffered behind it.

**Copying a prefix** (what a read returns): ``bytes(buffer[:n])`` copies
twice, through a view once. On CPython the view's set-up costs more than
the second copy below about 20 KiB (1 KiB: 0.30 µs against 0.79 µs; 64 KiB:
3.1 µs against 2.0 µs); on PyPy the view is cheaper at every size (64 KiB:
3.3 µs against 6.1 µs).

Views of the buffer are released at once: on PyPy an unreleased one lives
until the GC runs, and meanwhile the bytearray cannot be resized
(BufferError).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

__all__ = ["find", "find_in_copy", "find_in_place", "prefix"]

# The first window find_in_copy copies: a short line costs no more than
# this, a long one about twice its length.
_FIRST_WINDOW = 1024


def find_in_copy(buffer: bytearray, separator: Any, offset: int) -> int:
    """``buffer.find(separator, offset)`` (``offset >= 0``), searching
    copies of the rest.

    The copies are windows that double from ``_FIRST_WINDOW`` bytes: the
    buffer may hold many lines, and a short one must not cost a copy of
    all of them. Windows overlap by ``len(separator) - 1`` bytes, so a
    separator across two of them is found in the second."""
    size = len(buffer)
    overlap = len(separator) - 1
    window = _FIRST_WINDOW
    while offset < size:
        end = min(offset + window, size)
        with memoryview(buffer) as view, view[offset:end] as part:
            found = bytes(part).find(separator)
        if found >= 0:
            return offset + found
        if end == size:
            break
        offset = max(offset, end - overlap)
        window *= 2
    return -1


find_in_place: Callable[[bytearray, Any, int], int] = bytearray.find

_PYPY = sys.implementation.name == "pypy"

find: Callable[[bytearray, Any, int], int] = find_in_copy if _PYPY else find_in_place

# prefix() copies through a view from this many bytes on.
PREFIX_VIEW_FROM = 0 if _PYPY else 16 * 1024


def prefix(buffer: bytearray, size: int) -> bytes:
    """A copy of ``buffer[:size]`` that leaves no export of ``buffer``."""
    if size < PREFIX_VIEW_FROM:
        return bytes(buffer[:size])
    with memoryview(buffer) as view, view[:size] as part:
        return bytes(part)
