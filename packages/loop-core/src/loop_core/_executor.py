"""run_in_executor and the loop's default thread pool.

The pool is made on first use. close() shuts it down without waiting (a
loop must close promptly); shutdown_default_executor() is the waiting,
awaitable form that asyncio.run() and Runner use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["ExecutorMixin"]

_T = TypeVar("_T")


def _resolve(fut: asyncio.Future[None], error: BaseException | None) -> None:
    if fut.done():
        return
    if error is None:
        fut.set_result(None)
    else:
        fut.set_exception(error)


class ExecutorMixin:
    _default_executor: concurrent.futures.ThreadPoolExecutor | None
    _executor_shutdown_called: bool
    _debug: bool

    def _init_executor(self) -> None:
        self._default_executor = None
        self._executor_shutdown_called = False

    def run_in_executor(
        self,
        executor: concurrent.futures.Executor | None,
        func: Callable[..., _T],
        *args: Any,
    ) -> asyncio.Future[_T]:
        self._check_closed()
        if self._debug:
            self._check_callback(func, "run_in_executor")
        if executor is None:
            if self._executor_shutdown_called:
                raise RuntimeError("Executor shutdown has been called")
            executor = self._default_executor
            if executor is None:
                executor = concurrent.futures.ThreadPoolExecutor(
                    thread_name_prefix="asyncio"
                )
                self._default_executor = executor
        return asyncio.wrap_future(executor.submit(func, *args), loop=self)  # type: ignore[arg-type]

    def set_default_executor(self, executor: Any) -> None:
        if not isinstance(executor, concurrent.futures.ThreadPoolExecutor):
            raise TypeError("executor must be ThreadPoolExecutor instance")
        self._default_executor = executor

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:
        """Wait for the default pool's threads (up to ``timeout`` seconds)."""
        self._executor_shutdown_called = True
        executor = self._default_executor
        if executor is None:
            return
        done: asyncio.Future[None] = self.create_future()

        def shut_down() -> None:
            error: BaseException | None = None
            try:
                executor.shutdown(wait=True)
            except Exception as exc:
                error = exc
            try:
                self.call_soon_threadsafe(_resolve, done, error)
            except RuntimeError:
                pass  # the loop was closed meanwhile: nobody is waiting

        thread = threading.Thread(target=shut_down, name="loop_core-executor-shutdown")
        thread.start()
        try:
            async with asyncio.timeout(timeout):
                await done
        except TimeoutError:
            warnings.warn(
                "The executor did not finishing joining its threads within "
                f"{timeout} seconds.",
                RuntimeWarning,
                stacklevel=2,
            )
            executor.shutdown(wait=False)
        else:
            thread.join()

    def _close_executor(self) -> None:
        executor = self._default_executor
        if executor is not None:
            self._default_executor = None
            executor.shutdown(wait=False)

    if TYPE_CHECKING:  # provided by the loop and the other mixins

        def _check_closed(self) -> None: ...
        def is_closed(self) -> bool: ...
        def create_future(self) -> asyncio.Future[Any]: ...
        def call_soon_threadsafe(
            self, callback: Callable[..., object], *args: Any
        ) -> Any: ...
        @staticmethod
        def _check_callback(callback: Callable[..., object], method: str) -> None: ...
