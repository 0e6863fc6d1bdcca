"""Sorting timers by due time: the one step where CPython and PyPy need
different code, chosen here at import.

The timer queue sorts when many timers arrive at once (see ``_timers``); the
sort must be stable, since timers due at the same time run in the order
they were made. 25,000 timers with random due times (the fan-out of
``timers_spread``), best of 30:

- ``list.sort(key=...)`` is C on CPython: 3.3 ms. PyPy's wraps every item
  and compares the keys through the generic object protocol: 9.1 ms, about
  a third of the whole benchmark there.
- ``distribute`` below, a bucket sort in plain Python, is 3.7 ms on PyPy,
  where the JIT compiles its loops, and 6.2 ms on CPython.

So PyPy distributes and CPython sorts. Input that is already in order
(timeouts of one delay, made one after another) costs ``distribute`` one
pass; unevenly spread due times fall back to ``list.sort`` a bucket at a
time. Both functions are tested on both interpreters.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._handles import TimerHandle

__all__ = ["distribute", "key_sort", "sort_by_due"]

_due = attrgetter("_when")
# Below this many timers a bucket is handed to list.sort.
_SMALL = 32
# A bucket that is still big after this many rounds of distributing (due
# times bunched ever closer) goes to list.sort too, whatever its size.
_MAX_DEPTH = 2
# Spans outside these bounds (infinities, due times a nanosecond apart,
# floats near their limits) are list.sort's: the scale would overflow.
_MIN_SPAN = 1e-9
_MAX_SPAN = 1e300


def key_sort(timers: list[TimerHandle]) -> list[TimerHandle]:
    """``timers`` sorted in place by ``_when``, stably; returned."""
    timers.sort(key=_due)
    return timers


def distribute(timers: list[TimerHandle], depth: int = 0) -> list[TimerHandle]:
    """``timers`` sorted by ``_when``, stably: in place when already in
    order, else a new list.

    One bucket per timer over the span of due times; a bucket's index only
    grows with the due time (subtracting and scaling by a positive constant
    never reverse two floats), timers enter their bucket in input order, and
    buckets that get several are sorted stably, so ties keep their order.
    """
    count = len(timers)
    if count < _SMALL:
        timers.sort(key=_due)
        return timers
    low = high = timers[0]._when
    ordered = True
    for timer in timers:
        when = timer._when
        if when >= high:
            high = when
        else:
            ordered = False
            if when < low:
                low = when
    if ordered:
        return timers
    span = high - low
    if not _MIN_SPAN < span < _MAX_SPAN or depth == _MAX_DEPTH:
        timers.sort(key=_due)
        return timers
    scale = (count - 1) / span
    buckets: list[Any] = [None] * count
    for timer in timers:
        index = int((timer._when - low) * scale)
        bucket = buckets[index]
        if bucket is None:
            buckets[index] = timer
        elif type(bucket) is list:
            bucket.append(timer)
        else:
            buckets[index] = [bucket, timer]
    result: list[TimerHandle] = []
    append = result.append
    for bucket in buckets:
        if bucket is None:
            continue
        if type(bucket) is list:
            result += distribute(bucket, depth + 1)
        else:
            append(bucket)
    return result


sort_by_due: Callable[[list[TimerHandle]], list[TimerHandle]] = (
    distribute if sys.implementation.name == "pypy" else key_sort
)
