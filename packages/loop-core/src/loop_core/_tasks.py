"""Futures, tasks and async generators: asyncio's own objects on our loop.

Futures and tasks are asyncio's (the C-accelerated ones), so every library
that checks ``isinstance(x, asyncio.Future)`` or relies on Task internals
runs unchanged.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator
from contextvars import Context
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["TasksMixin"]

_T = TypeVar("_T")
_TaskFactory = Callable[..., "asyncio.Future[Any]"]


class TasksMixin:
    _task_factory: _TaskFactory | None
    _asyncgens: weakref.WeakSet[AsyncGenerator[Any, Any]]
    _asyncgens_shutdown_called: bool
    _debug: bool

    def _init_tasks(self) -> None:
        self._task_factory = None
        self._asyncgens = weakref.WeakSet()
        self._asyncgens_shutdown_called = False

    def create_future(self) -> asyncio.Future[Any]:
        return asyncio.Future(loop=self)  # type: ignore[arg-type]

    def create_task(
        self,
        coro: Coroutine[Any, Any, _T] | Generator[Any, None, _T],
        *,
        name: str | None = None,
        context: Context | None = None,
    ) -> asyncio.Task[_T]:
        self._check_closed()
        factory = self._task_factory
        if factory is None:
            task = asyncio.Task(coro, loop=self, name=name, context=context)  # type: ignore[arg-type]
            if task._source_traceback:  # type: ignore[attr-defined]
                del task._source_traceback[-1]  # type: ignore[attr-defined]
            return task
        if context is None:
            made = factory(self, coro)
        else:
            made = factory(self, coro, context=context)
        if name is not None:
            set_name = getattr(made, "set_name", None)
            if set_name is not None:
                set_name(name)
        return made  # type: ignore[return-value]

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
        self._asyncgens.add(agen)

    def _asyncgen_finalizer_hook(self, agen: AsyncGenerator[Any, Any]) -> None:
        self._asyncgens.discard(agen)
        if not self.is_closed():
            self.call_soon_threadsafe(self.create_task, agen.aclose())

    async def shutdown_asyncgens(self) -> None:
        """Close every async generator this loop has seen start."""
        self._asyncgens_shutdown_called = True
        if not self._asyncgens:
            return
        closing = list(self._asyncgens)
        self._asyncgens.clear()
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

    if TYPE_CHECKING:  # provided by the loop and the other mixins

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
        def call_soon_threadsafe(
            self, callback: Callable[..., object], *args: Any
        ) -> Any: ...
        def call_exception_handler(self, context: dict[str, Any]) -> None: ...
