"""Every public method of asyncio's loop has the same shape on ours:
parameter names, kinds and defaults, and whether it is a coroutine
function. Code that passes arguments by keyword (``sock_recv(sock, n=...)``)
or checks a parameter before using it (``"all_errors" in
inspect.signature(loop.create_connection).parameters``) then behaves the
same on both loops.

Newer Pythons' parameters that ours accepts on older ones too are listed
in ``OURS_ON_EVERY_PYTHON`` (each is in its package README's "Differences
from asyncio"); elsewhere the shapes are equal.

Methods whose distribution is not installed here are skipped; the
loop-core stubs' own shape is tested in loop-core.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import loop_core
import pytest
from installed import INSTALLED, PROVIDES
from loop_core import extensions

pytestmark = pytest.mark.timeout(60)

NOT_INSTALLED = {
    method
    for dist, methods in PROVIDES.items()
    if dist not in INSTALLED
    for method in methods
}
# The class asyncio.new_event_loop() makes here (Unix), with what it inherits.
THEIRS = asyncio.SelectorEventLoop
PUBLIC = sorted(
    name
    for name in dir(THEIRS)
    if not name.startswith("_") and callable(getattr(THEIRS, name))
)

# Parameters a later asyncio added, that ours takes on every Python.
OURS_ON_EVERY_PYTHON: dict[str, set[str]] = {
    "create_connection": {"all_errors"},  # asyncio 3.12
    "create_server": {"keep_alive"},  # asyncio 3.13
    "create_unix_server": {"cleanup_socket"},  # asyncio 3.13
    "shutdown_default_executor": {"timeout"},  # asyncio 3.12
}


def _shape(method: Any) -> list[tuple[str, Any, Any]]:
    """The parameters after the loop itself (``self``, or ``loop`` in an
    extension's provider function), without annotations."""
    params = list(inspect.signature(method).parameters.values())
    return [(p.name, p.kind, p.default) for p in params]


@pytest.mark.parametrize("name", PUBLIC)
def test_method_shape_matches_asyncio(loop, name):
    if name in NOT_INSTALLED:
        pytest.skip(f"{name}: its distribution is not installed here")
    if name in extensions.STUB_METHODS and type(loop) is loop_core.EventLoop:
        extensions.resolve(name)  # the provider's shape, not the stub's
    theirs = getattr(THEIRS, name).__get__(loop)
    ours = getattr(loop, name)
    theirs_shape = _shape(theirs)
    names = {param[0] for param in theirs_shape}
    extra = OURS_ON_EVERY_PYTHON.get(name, set()) - names
    assert [p for p in _shape(ours) if p[0] not in extra] == theirs_shape
    assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs)
