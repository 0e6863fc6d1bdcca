"""Proof that the tests run on the loop under test, not on asyncio's.

A harness that patches the wrong name tests asyncio's own loop and reports
it as ours (3.14 moved the default policy to a private class, and the run
went on passing). So each worker checks, before running a test, that every
way the tests make a loop gives the loop under test: the policy
(``asyncio.new_event_loop()``, also after a reset), ``asyncio.Runner``
(``asyncio.run()``, ``IsolatedAsyncioTestCase``), ``asyncio.EventLoop``,
``test_utils.TestCase.new_test_loop(gen)`` (the virtual clock) and the hook
of each ported class. And while the tests run, making one of
asyncio's own loops fails the test that does it, so a way in that this
list misses shows up as a failure instead of a silent pass.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import adapt

# set by collect.build_port on each port: the name of its loop hook
PORT_HOOK = "_conformance_port_hook"


class WrongLoop(Exception):
    """The harness would run the tests on another loop than the one under test."""


def verify(
    loop_class: type[asyncio.AbstractEventLoop],
    classes: Iterable[type],
    virtual_clock: bool = True,
) -> None:
    """Raise ``WrongLoop`` unless every way in gives ``loop_class``.
    ``virtual_clock``: whether the tests may call ``new_test_loop(gen)``
    (CPython's do; uvloop's never import test_utils)."""
    _expect("asyncio.new_event_loop()", asyncio.new_event_loop, loop_class)
    adapt.reset_policy()
    _expect(
        "asyncio.new_event_loop() after set_event_loop_policy(None)",
        asyncio.new_event_loop,
        loop_class,
    )
    runner = asyncio.Runner()
    try:
        _expect("asyncio.Runner().get_loop()", runner.get_loop, loop_class, close=False)
    finally:
        runner.close()
    event_loop = getattr(asyncio, "EventLoop", None)
    if event_loop is not None:
        _expect("asyncio.EventLoop()", event_loop, loop_class)
    if virtual_clock:
        _verify_virtual_clock(loop_class)
    for cls in classes:
        hook = getattr(cls, PORT_HOOK, None)
        if hook is None:
            continue
        if hook == "setUp":
            if "setUp" not in vars(cls):
                raise WrongLoop(f"{cls.__qualname__}.setUp is not the port's")
            continue
        method: Callable[[], Any] = getattr(cls.__new__(cls), hook)
        _expect(f"{cls.__qualname__}.{hook}()", method, loop_class)


def _verify_virtual_clock(loop_class: type[asyncio.AbstractEventLoop]) -> None:
    """``new_test_loop(gen)``: the loop under test on a virtual clock (the
    ``--loop asyncio`` baseline keeps asyncio's ``test_utils.TestLoop``)."""
    base_events = importlib.import_module("asyncio.base_events")
    if issubclass(loop_class, base_events.BaseEventLoop):
        return
    test_utils = importlib.import_module("test.test_asyncio.utils")

    def gen() -> Iterator[None]:
        yield

    case = test_utils.TestCase()
    try:
        _expect(
            "test_utils.TestCase.new_test_loop(gen)",
            lambda: case.new_test_loop(gen),
            loop_class,
        )
    finally:
        case.doCleanups()
        asyncio.events.set_event_loop(None)


def _expect(
    what: str,
    make: Callable[[], Any],
    loop_class: type[asyncio.AbstractEventLoop],
    close: bool = True,
) -> None:
    loop = make()
    try:
        if not isinstance(loop, loop_class):
            raise WrongLoop(
                f"{what} made a {type(loop).__module__}.{type(loop).__qualname__}, "
                f"not a {loop_class.__module__}.{loop_class.__qualname__}"
            )
    finally:
        if close:
            loop.close()


def forbid_asyncio_loops() -> None:
    """Make a test that creates one of asyncio's own loops fail, saying so.

    Only for runs whose loop under test is not asyncio's. Tests that make
    asyncio's loop on purpose are listed not applicable (they never run).
    """
    base_events = importlib.import_module("asyncio.base_events")
    base: Any = base_events.BaseEventLoop
    original = base.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # closed, so its __del__ does not warn about the unclosed loop
        self._closed = True
        raise AssertionError(
            f"conformance harness: the test made asyncio's own "
            f"{type(self).__qualname__}, not the loop under test; port the "
            "test (harness/suites.py) or list it not applicable"
        )

    base.__init__ = __init__
