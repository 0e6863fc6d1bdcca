"""Trying the resolved addresses of create_connection: one after another, or
staggered as RFC 8305 ("happy eyeballs") asks when a delay is given.

Staggered: the first attempt starts at once; each next one starts when the
latest one fails or ``delay`` seconds after it started, whichever comes
first. The first attempt to connect wins; every other attempt is cancelled
and awaited, so its socket is closed before we return, and a socket that
connected too late is closed too. Whatever happens to the caller
(cancellation included), no attempt outlives the race.

Errors are combined as asyncio does: the one error when there was one (or
all read the same), ``OSError("Multiple exceptions: ...")`` otherwise, and
an ``ExceptionGroup`` of them all with ``all_errors=True``. They are listed
in the order the attempts started.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, NoReturn

__all__ = ["connect_first"]

_AddrInfo = tuple[Any, Any, int, str, Any]
Connect = Callable[[_AddrInfo], Coroutine[Any, Any, socket.socket]]


def raise_combined(exceptions: list[OSError], all_errors: bool) -> NoReturn:
    """The error asyncio's create_connection raises when every address failed.

    The error's traceback holds this frame, and so the list: it is emptied
    on the way out, or the error would refer to itself through it (a
    reference cycle that keeps every attempt's frames alive until the
    collector runs)."""
    try:
        if all_errors:
            raise ExceptionGroup("create_connection failed", exceptions)
        if len(exceptions) == 1 or len({str(exc) for exc in exceptions}) == 1:
            raise exceptions[0]
        raise OSError(
            "Multiple exceptions: {}".format(", ".join(str(exc) for exc in exceptions))
        )
    finally:
        exceptions.clear()


async def connect_first(
    loop: asyncio.AbstractEventLoop,
    infos: Sequence[_AddrInfo],
    connect: Connect,
    delay: float | None,
    all_errors: bool,
) -> socket.socket:
    """The first socket that connects to one of ``infos``; sequential when
    ``delay`` is None, staggered otherwise."""
    exceptions: list[OSError] = []
    errors: list[BaseException | None] = []
    try:
        if delay is None:
            for info in infos:
                try:
                    return await connect(info)
                except OSError as exc:
                    exceptions.append(exc)
        else:
            sock, errors = await _staggered(loop, infos, connect, delay)
            if sock is not None:
                return sock
            unexpected = [e for e in errors if e and not isinstance(e, OSError)]
            if unexpected:
                raise unexpected.pop(0)
            exceptions = [err for err in errors if isinstance(err, OSError)]
        raise_combined(exceptions, all_errors)
    finally:
        # The error raised keeps this frame alive through its traceback:
        # no list here may hold it, or it is in a reference cycle (and
        # gc.get_referrers() shows more than the code that caught it).
        # (raise_combined's frame, in the traceback too, holds the list)
        exceptions.clear()
        errors.clear()


async def _staggered(
    loop: asyncio.AbstractEventLoop,
    infos: Sequence[_AddrInfo],
    connect: Connect,
    delay: float,
) -> tuple[socket.socket | None, list[BaseException | None]]:
    """Race the attempts; return the winner (or None) and each attempt's error."""
    if not infos:
        return None, []
    attempts: list[asyncio.Task[socket.socket]] = []
    errors: list[BaseException | None] = [None] * len(infos)
    outcome: asyncio.Future[int | None] = loop.create_future()
    timer: asyncio.TimerHandle | None = None

    def start_next() -> None:
        nonlocal timer
        if timer is not None:
            timer.cancel()
            timer = None
        if outcome.done() or len(attempts) == len(infos):
            return
        task = loop.create_task(connect(infos[len(attempts)]))
        attempts.append(task)
        task.add_done_callback(finished)
        if len(attempts) < len(infos):
            timer = loop.call_later(delay, start_next)

    def finished(task: asyncio.Task[socket.socket]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if outcome.done():
            return  # also: the race is over and ``attempts`` cleared
        index = attempts.index(task)
        if exc is None:
            outcome.set_result(index)
            return
        errors[index] = exc
        if index == len(attempts) - 1:
            start_next()  # the latest attempt failed: the next one goes now
        if len(attempts) == len(infos) and all(t.done() for t in attempts):
            outcome.set_result(None)

    start_next()
    winner: int | None = None
    try:
        try:
            winner = await outcome
        finally:
            if timer is not None:
                timer.cancel()
            await _settle(attempts, winner)
        return (None if winner is None else attempts[winner].result()), errors
    finally:
        # start_next and finished refer to each other (a cycle that lives
        # until the collector runs): they must not keep the finished
        # attempts, and so their errors, alive
        outcome.cancel()  # a no-op unless we were cancelled
        attempts.clear()


async def _settle(
    attempts: list[asyncio.Task[socket.socket]], winner: int | None
) -> None:
    """Cancel and await every attempt but the winner; close late sockets.

    If the caller is cancelled while we wait, the winner is closed too and
    the stragglers close their sockets when they finish."""
    for task in attempts:
        task.cancel()  # a no-op on those already done
    pending = [task for task in attempts if not task.done()]
    try:
        if pending:
            await asyncio.wait(pending)
    except BaseException:
        winner = None
        for task in pending:
            task.add_done_callback(_close_result)
        raise
    finally:
        for index, task in enumerate(attempts):
            if index != winner and task.done():
                _close_result(task)


def _close_result(task: asyncio.Task[socket.socket]) -> None:
    if not task.cancelled():
        exc = task.exception()
        if exc is None:
            task.result().close()
