"""Debug mode: the checks asyncio makes when ``PYTHONASYNCIODEBUG``,
``-X dev`` or ``set_debug(True)`` asks for them.

They cost time on every call, so the loop's fast paths test one flag and
come here only in debug mode.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._errors import logger

if TYPE_CHECKING:
    from ._handles import Handle

__all__ = ["DebugMixin"]

# How many frames a coroutine remembers of where it was created.
_ORIGIN_DEPTH = 10


class DebugMixin:
    _debug: bool
    _thread_id: int | None
    _ready: deque[Handle]
    slow_callback_duration: float

    def get_debug(self) -> bool:
        return self._debug

    def set_debug(self, enabled: bool) -> None:
        self._debug = enabled
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

    def _run_ready_debug(self, ntodo: int) -> None:
        """The ready batch, timed: callbacks slower than
        ``slow_callback_duration`` are logged with what they were."""
        popleft = self._ready.popleft
        clock = time.monotonic
        for _ in range(ntodo):
            handle = popleft()
            if handle._cancelled:
                continue
            start = clock()
            try:
                handle._context.run(handle._callback, *handle._args)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self._report_callback_error(handle, exc)
            elapsed = clock() - start
            if elapsed >= self.slow_callback_duration:
                logger.warning(
                    "Executing %s took %.3f seconds",
                    _describe(handle),
                    elapsed,
                )

    if TYPE_CHECKING:  # provided by ErrorsMixin

        def _report_callback_error(
            self, handle: Handle, exc: BaseException
        ) -> None: ...


def _describe(handle: Handle) -> str:
    """A task's step is named by the task: that is what a reader can find."""
    owner = getattr(handle._callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return repr(owner)
    return repr(handle)  # a timer says so: <TimerHandle when=...>, as asyncio
