"""The exception-handler API: what the loop does with errors nobody awaits.

Reports go to the ``asyncio`` logger, so logging set up for asyncio (and
tests that capture it) sees our loop's reports too.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._format import describe_callback

if TYPE_CHECKING:
    from ._handles import Handle

__all__ = ["ErrorsMixin", "logger"]

logger = logging.getLogger("asyncio")

_Handler = Callable[[Any, dict[str, Any]], object]


class ErrorsMixin:
    _exception_handler: _Handler | None

    def _init_errors(self) -> None:
        self._exception_handler = None

    def get_exception_handler(self) -> _Handler | None:
        return self._exception_handler

    def set_exception_handler(self, handler: _Handler | None) -> None:
        if handler is not None and not callable(handler):
            raise TypeError(f"A callable object or None is expected, got {handler!r}")
        self._exception_handler = handler

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        message = context.get("message") or "Unhandled exception in event loop"
        exception = context.get("exception")
        exc_info: Any = False
        if exception is not None:
            exc_info = (type(exception), exception, exception.__traceback__)
        lines = [message]
        for key in sorted(context):
            if key in ("message", "exception"):
                continue
            value = context[key]
            if key in ("source_traceback", "handle_traceback"):
                text = "".join(traceback.format_list(value)).rstrip()
                value = "Object created at (most recent call last):\n" + text
            else:
                value = repr(value)
            lines.append(f"{key}: {value}")
        logger.error("\n".join(lines), exc_info=exc_info)

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        handler = self._exception_handler
        if handler is None:
            try:
                self.default_exception_handler(context)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException:
                logger.error("Exception in default exception handler", exc_info=True)
            return
        try:
            # Run the handler in the context of what failed (gh-96704), so
            # context variables set there (request ids, ...) are visible.
            source = context.get("task") or context.get("future")
            if source is None:
                source = context.get("handle")
            get_context = getattr(source, "get_context", None)
            ctx = get_context() if get_context is not None else None
            if ctx is not None and hasattr(ctx, "run"):
                ctx.run(handler, self, context)
            else:
                handler(self, context)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            try:
                self.default_exception_handler(
                    {
                        "message": "Unhandled error in exception handler",
                        "exception": exc,
                        "context": context,
                    }
                )
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException:
                logger.error(
                    "Exception in default exception handler while handling an "
                    "unexpected error in custom exception handler",
                    exc_info=True,
                )

    def _report_callback_error(self, handle: Handle, exc: BaseException) -> None:
        context: dict[str, Any] = {
            "message": "Exception in callback "
            + describe_callback(handle._callback, handle._args),
            "exception": exc,
            "handle": handle,
        }
        if handle._source_traceback:
            context["source_traceback"] = handle._source_traceback
        self.call_exception_handler(context)
