"""Stand-ins for the loop methods other distributions provide.

Each stub resolves its provider on first call (see ``extensions``), puts it
on the class in its own place, and calls it; with nothing installed it
raises NotImplementedError naming the distribution to install.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import extensions

__all__ = ["install", "make_stub"]


def make_stub(name: str) -> Callable[..., Any]:
    def stub(self: Any, *args: Any, **kwargs: Any) -> Any:
        return extensions.resolve(name)(self, *args, **kwargs)

    stub.__name__ = name
    stub.__qualname__ = f"EventLoop.{name}"
    stub.__doc__ = (
        f"asyncio's {name}(), provided by an installed extension. "
        f"{extensions.missing_message(name)} if none is."
    )
    return stub


def install(cls: type) -> None:
    extensions._targets.append(cls)
    for name in extensions.STUB_METHODS:
        setattr(cls, name, make_stub(name))
