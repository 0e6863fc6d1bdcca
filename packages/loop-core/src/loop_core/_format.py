"""Human-readable descriptions of callbacks, for reprs and error reports.

Error messages name the function *and* where it was defined, because a bare
``<function f>`` in a log line from a busy loop tells nobody which ``f``.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
from collections.abc import Callable, Sequence
from typing import Any


def _source(func: Any) -> str:
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None:
        return ""
    return f" at {code.co_filename}:{code.co_firstlineno}"


def describe_args(args: Sequence[Any] | None) -> str:
    if not args:
        return "()"
    return "(" + ", ".join(reprlib.repr(a) for a in args) + ")"


def describe_callback(
    callback: Callable[..., object] | None, args: Sequence[Any] | None
) -> str:
    """``name(args) at file:line``, unwrapping functools.partial."""
    if callback is None:
        return "<None>"
    if isinstance(callback, functools.partial):
        inner = describe_callback(callback.func, callback.args)
        return inner + describe_args(args)
    name = getattr(callback, "__qualname__", None) or getattr(
        callback, "__name__", None
    )
    text = name if name else repr(callback)
    return text + describe_args(args) + _source(callback)
