"""Debug mode: the checks asyncio makes when ``PYTHONASYNCIODEBUG``,
``-X dev`` or ``set_debug(True)`` asks for them.

They cost time on every call, so the loop's fast paths test one flag and
come here only in debug mode. The slow-callback log is in ``_probe``'s
timed iteration.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._probe import LoopProbe

__all__ = ["DebugMixin"]

# How many frames a coroutine remembers of where it was created.
_ORIGIN_DEPTH = 10


class DebugMixin:
    _debug: bool
    _thread_id: int | None
    _probe: LoopProbe | None

    def get_debug(self) -> bool:
        return self._debug

    def set_debug(self, enabled: bool) -> None:
        self._debug = enabled
        self._timed = enabled or self._probe is not None  # see _probe
        if self._thread_id is not None:
            self._set_coroutine_origin_tracking(enabled)

    def _set_coroutine_origin_tracking(self, enabled: bool) -> None:
        if enabled == getattr(self, "_origin_tracking", False):
            return
        if enabled:
            self._origin_depth = sys.get_coroutine_origin_tracking_depth()
            sys.set_coroutine_origin_tracking_depth(_ORIGIN_DEPTH)
        else:
            sys.set_coroutine_origin_tracking_depth(self._origin_depth)
        self._origin_tracking = enabled

    def _check_thread(self) -> None:
        """Refuse non-threadsafe calls from a thread that is not the loop's."""
        if self._thread_id is None:
            return
        if threading.get_ident() != self._thread_id:
            raise RuntimeError(
                "Non-thread-safe operation invoked on an event loop other "
                "than the current one"
            )

    @staticmethod
    def _check_callback(callback: Callable[..., object], method: str) -> None:
        if asyncio.iscoroutine(callback) or inspect.iscoroutinefunction(callback):
            raise TypeError(f"coroutines cannot be used with {method}()")
        if not callable(callback):
            raise TypeError(
                f"a callable object was expected by {method}(), got {callback!r}"
            )
