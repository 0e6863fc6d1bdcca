"""A second provider of ``create_connection``, to show what loop-core does
when two installed distributions claim one loop method."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["create_connection"]


async def create_connection(
    loop: asyncio.AbstractEventLoop, *args: Any, **kwargs: Any
) -> tuple[str, tuple[Any, ...]]:
    """Not a connection: says who answered, so a test can tell providers apart."""
    await asyncio.sleep(0)
    return ("loop-conflict", args)
