"""Settling a one-shot waiter future that its owner drops as it settles it:
the TLS handshake/shutdown and the sendfile fallback each keep one such
future and may be woken more than once, or after the caller gave up."""

from __future__ import annotations

import asyncio

__all__ = ["settle"]


def settle(waiter: asyncio.Future[None] | None, exc: BaseException | None) -> None:
    """Set ``waiter``'s result (``exc`` None) or exception, unless it is
    already done or there is none."""
    if waiter is not None and not waiter.done():
        if exc is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(exc)
