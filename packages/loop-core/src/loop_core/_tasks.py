"""Futures, tasks and async generators: asyncio's own objects on our loop.

Futures and tasks are asyncio's (the C-accelerated ones), so every library
that checks ``isinstance(x, asyncio.Future)`` or relies on Task internals
runs unchanged.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import warnings
import weakref
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator
from contextvars import Context
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["TasksMixin"]

_T = TypeVar("_T")
_TaskFactory = Callable[..., "asyncio.Future[Any]"]


def _without_our_frame(task: asyncio.Task[_T]) -> asyncio.Task[_T]:
    """Debug mode: the task's creation traceback ends at the user's call.

    Taking the new task as an argument also keeps it out of create_task's
    locals, so a traceback of an eager task's error does not hold the task
    in a cycle through that frame."""
    origin = task._source_traceback  # type: ignore[attr-defined]
    if origin:
        del origin[-1]
    return task


class TasksMixin:
    _task_factory: _TaskFactory | None
    _asyncgens: weakref.WeakSet[AsyncGenerator[Any, Any]]
    _asyncgens_shutdown_called: bool
    _asyncgens_lock: threading.RLock
    _debug: bool

    def _init_tasks(self) -> None:
        self._task_factory = None
        self._asyncgens = weakref.WeakSet()
        # The finalizer hook runs in whichever thread drops an async
        # generator, maybe while the loop's thread adds one or takes the
        # list to close; re-entrant, because a collection in the middle of
        # one of these may finalize another generator in the same thread.
        self._asyncgens_lock = threading.RLock()
        self._asyncgens_shutdown_called = False

    def create_future(self) -> asyncio.Future[Any]:
        return asyncio.Future(loop=self)  # type: ignore[arg-type]

    if sys.version_info >= (3, 14):

        def create_task(
            self,
            coro: Coroutine[Any, Any, _T] | Generator[Any, None, _T],
            **kwargs: Any,
        ) -> asyncio.Task[_T]:
            # 3.14: every keyword (name, context, eager_start, ...) goes to
            # the factory or the Task as given, so an eager task has its
            # name while its first step runs.
            self._check_closed()
            factory = self._task_factory
            if factory is not None:
                return factory(self, coro, **kwargs)  # type: ignore[return-value]
            return _without_our_frame(asyncio.Task(coro, loop=self, **kwargs))  # type: ignore[arg-type]

    else:

        def create_task(
            self,
            coro: Coroutine[Any, Any, _T] | Generator[Any, None, _T],
            *,
            name: str | None = None,
            context: Context | None = None,
            **kwargs: Any,
        ) -> asyncio.Task[_T]:
            # 3.11-3.13: a factory is called the pre-3.11 way when it can
            # be, (loop, coro[, context=]), and the name is set afterwards.
            # Extra keywords exist from 3.13.3 only (3.13.4's contract).
            self._check_closed()
            if kwargs and sys.version_info < (3, 13, 3):
                unexpected = next(iter(kwargs))
                raise TypeError(
                    f"create_task() got an unexpected keyword argument {unexpected!r}"
                )
            factory = self._task_factory
            if factory is None:
                return _without_our_frame(
                    asyncio.Task(coro, loop=self, name=name, context=context, **kwargs)  # type: ignore[arg-type]
                )
            if context is not None:
                kwargs["context"] = context
            made = factory(self, coro, **kwargs)
            if name is not None:
                set_name = getattr(made, "set_name", None)
                if set_name is not None:
                    set_name(name)
            return made  # type: ignore[return-value]

        if sys.version_info < (3, 13, 3):
            # What introspection shows is asyncio's signature of these
            # versions; extra keywords are refused above.
            def _asyncio_shape(
                self: Any, coro: Any, *, name: Any = None, context: Any = None
            ) -> Any: ...

            create_task.__signature__ = inspect.signature(_asyncio_shape)  # type: ignore[attr-defined]
            del _asyncio_shape

    def set_task_factory(self, factory: _TaskFactory | None) -> None:
        if factory is not None and not callable(factory):
            raise TypeError("task factory must be a callable or None")
        self._task_factory = factory

    def get_task_factory(self) -> _TaskFactory | None:
        return self._task_factory

    # -- async generators ----------------------------------------------------

    def _asyncgen_firstiter_hook(self, agen: AsyncGenerator[Any, Any]) -> None:
        if self._asyncgens_shutdown_called:
            warnings.warn(
                f"asynchronous generator {agen!r} was scheduled after "
                "loop.shutdown_asyncgens() call",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )
        with self._asyncgens_lock:
            self._asyncgens.add(agen)

    def _asyncgen_finalizer_hook(self, agen: AsyncGenerator[Any, Any]) -> None:
        with self._asyncgens_lock:
            self._asyncgens.discard(agen)
        if not self.is_closed():
            self.call_soon_threadsafe(self.create_task, agen.aclose())

    async def shutdown_asyncgens(self) -> None:
        """Close every async generator this loop has seen start."""
        self._asyncgens_shutdown_called = True
        with self._asyncgens_lock:
            closing = list(self._asyncgens)
            self._asyncgens.clear()
        if not closing:
            return
        results = await asyncio.gather(
            *[agen.aclose() for agen in closing], return_exceptions=True
        )
        for result, agen in zip(results, closing, strict=True):
            if isinstance(result, Exception):
                self.call_exception_handler(
                    {
                        "message": "an error occurred during closing of "
                        f"asynchronous generator {agen!r}",
                        "exception": result,
                        "asyncgen": agen,
                    }
                )

    # asyncio.Runner.close() makes this coroutine even for a loop that a
    # test has already closed; run_until_complete() refuses it, and it is
    # reported "never awaited". Filters written for asyncio's loop name it
    # as asyncio does (pytest-asyncio ignores
    # ".*BaseEventLoop.shutdown_asyncgens.*"), so ours carries that name.
    shutdown_asyncgens.__qualname__ = "BaseEventLoop.shutdown_asyncgens"

    if TYPE_CHECKING:  # provided by the loop and the other mixins

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
        def call_soon_threadsafe(
            self, callback: Callable[..., object], *args: Any
        ) -> Any: ...
        def call_exception_handler(self, context: dict[str, Any]) -> None: ...
