"""What makes CPython's test_asyncio run on a loop it was not written for.

``install(make)`` applies these patches, in the worker process only. None
changes what a test asserts; each replaces a way the tests reach asyncio's
own loop (or its private attributes) with the loop under test.

1. asyncio's default policy class gets ``make`` as ``_loop_factory``, so
   ``asyncio.new_event_loop()``, ``asyncio.run()``, ``asyncio.Runner`` and
   ``unittest.IsolatedAsyncioTestCase`` make the loop under test, also after
   a test resets the policy with ``set_event_loop_policy(None)``. When the
   loop under test is loop_core's and loop-policy is installed, its
   ``EventLoopPolicy`` becomes asyncio's default policy class instead, so
   the policy tests (test_events' PolicyTests, get_event_loop) test ours.
   Up to 3.13 that class is ``asyncio.DefaultEventLoopPolicy``; from 3.14 on
   it is the private ``asyncio.unix_events._DefaultEventLoopPolicy``.
   ``asyncio.EventLoop`` (3.13+) becomes the loop under test's class.
2. ``test_utils.TestCase.new_test_loop()`` (a ``base_events`` loop with a
   fake clock) returns the loop under test when the test passes no time
   generator; a test that drives the fake clock with one gets the loop
   under test on a virtual clock its generator drives
   (``virtual_clock.py``). The ``--loop asyncio`` baseline keeps
   ``test_utils.TestLoop``, the loop the tests were written for.
3. ``test_utils.TestCase.close_loop()`` reads ``loop._default_executor``, a
   ``BaseEventLoop`` private; for any other loop it shuts the default
   executor down through the public API instead.
4. Tests observe the loop's error reports with
   ``mock.patch('asyncio.base_events.logger')``, a module global only
   ``BaseEventLoop`` logs through. A handler on the ``asyncio`` logger hands
   each record to that mock while it is patched, so a loop that logs to the
   ``asyncio`` logger, as asyncio's does, is observed the same way.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import unittest
from collections.abc import Callable
from typing import Any

from . import virtual_clock
from .loops import Factory

# Skip reasons with this prefix are "not applicable" rather than "skipped".
NOT_APPLICABLE = "n/a: "


def prepare_interpreter() -> None:
    """Let ``test.support`` import where ``_testcapi`` is broken.

    ``test.support`` treats an ImportError of ``_testcapi`` as "absent", but
    Debian's PyPy ships a ``_testcapi.py`` that builds the module from a C
    file the package does not include, so the import raises
    FileNotFoundError and nothing under ``test`` imports. Recording the
    module as missing gives the documented outcome: the few tests that need
    it skip themselves. Needed in the orchestrator too (``find_spec`` of a
    test module imports ``test.support``).
    """
    try:
        importlib.import_module("_testcapi")
    except ImportError:
        pass
    except Exception:
        sys.modules["_testcapi"] = None  # type: ignore[assignment]


def install(make: Factory, loop_class: type[asyncio.AbstractEventLoop]) -> None:
    _patch_policy(make)
    _patch_event_loop_class(loop_class)
    _patch_test_utils(make, loop_class)
    _bridge_logger()


# What a suite variant puts in asyncio's namespace (the CPython modules
# reach streams and subprocesses as ``asyncio.<name>``).
_STREAMS_NAMES = (
    "StreamReader",
    "StreamWriter",
    "StreamReaderProtocol",
    "open_connection",
    "start_server",
    "open_unix_connection",
    "start_unix_server",
    "create_subprocess_exec",
    "create_subprocess_shell",
)


def install_variant(variant: str) -> None:
    """Test another implementation of the module's subject: ``loop_streams``
    replaces asyncio's streams and subprocess helpers with ours."""
    if variant != "loop_streams":
        raise ValueError(f"unknown suite variant {variant!r}")
    try:
        import loop_streams
    except ImportError:
        raise unittest.SkipTest("needs loop-streams") from None

    for name in _STREAMS_NAMES:
        setattr(asyncio, name, getattr(loop_streams, name))


# Where asyncio looks up the class it instantiates as its default policy:
# 3.14 deprecated the public ``DefaultEventLoopPolicy`` (asyncio's module
# ``__getattr__`` now hands it out with a warning) and builds the default
# from ``unix_events._DefaultEventLoopPolicy`` (events._init_event_loop_policy).
_PRIVATE_DEFAULT_POLICY = sys.version_info >= (3, 14)


def default_policy_class() -> type[Any]:
    """The class asyncio makes its policy from after ``set_event_loop_policy(None)``."""
    unix_events = importlib.import_module("asyncio.unix_events")
    if _PRIVATE_DEFAULT_POLICY:
        found: type[Any] = getattr(unix_events, "_DefaultEventLoopPolicy")
    else:
        found = vars(asyncio)["DefaultEventLoopPolicy"]
    return found


def _patch_policy(make: Factory) -> None:
    unix_events = importlib.import_module("asyncio.unix_events")
    ours = _our_policy_class(make)
    if ours is not None:
        if _PRIVATE_DEFAULT_POLICY:
            setattr(unix_events, "_DefaultEventLoopPolicy", ours)
        else:
            setattr(asyncio, "DefaultEventLoopPolicy", ours)
            setattr(unix_events, "DefaultEventLoopPolicy", ours)
    else:
        policy_class: Any = default_policy_class()
        policy_class._loop_factory = staticmethod(make)
    reset_policy()


def reset_policy() -> None:
    """``set_event_loop_policy(None)``, without 3.14's deprecation warning."""
    setter = getattr(asyncio.events, "_set_event_loop_policy", None)
    if setter is None:
        setter = asyncio.set_event_loop_policy
    setter(None)


def _patch_event_loop_class(loop_class: type[asyncio.AbstractEventLoop]) -> None:
    """``asyncio.EventLoop`` (3.13) names the platform's default loop, and
    the tests use it as "a loop": ``loop_factory=asyncio.EventLoop``, also
    in class bodies, so this must happen before the module is imported."""
    if hasattr(asyncio, "EventLoop"):
        setattr(asyncio, "EventLoop", loop_class)


def _our_policy_class(make: Factory) -> type[Any] | None:
    """loop_policy.EventLoopPolicy when it would make the loop under test."""
    try:
        import loop_core
        import loop_policy
    except ImportError:
        return None
    if make is not loop_core.new_event_loop:
        return None
    policy: type[Any] = loop_policy.EventLoopPolicy
    return policy


def virtual_clock_class(
    loop_class: type[asyncio.AbstractEventLoop],
) -> type[Any] | None:
    """What ``new_test_loop(gen)`` makes; None: asyncio's own TestLoop."""
    if issubclass(
        loop_class, importlib.import_module("asyncio.base_events").BaseEventLoop
    ):
        return None
    return virtual_clock.virtual_loop_class(loop_class)


def _patch_test_utils(
    make: Factory, loop_class: type[asyncio.AbstractEventLoop]
) -> None:
    from asyncio import base_events

    test_utils = importlib.import_module("test.test_asyncio.utils")
    case: Any = test_utils.TestCase
    original_close = case.close_loop
    original_new_test_loop = case.new_test_loop
    clocked = virtual_clock_class(loop_class)

    def new_test_loop(
        self: Any, gen: Callable[[], Any] | None = None
    ) -> asyncio.AbstractEventLoop:
        if gen is not None and clocked is None:
            return original_new_test_loop(self, gen)  # type: ignore[no-any-return]
        loop = make() if gen is None else clocked(gen)
        self.set_event_loop(loop)
        return loop

    def close_loop(loop: asyncio.AbstractEventLoop) -> None:
        if isinstance(loop, base_events.BaseEventLoop):
            original_close(loop)
            return
        # asyncio shuts the executor down only if the loop made one, which
        # the public API cannot tell: always do it, unless the test replaced
        # the loop's call_soon (test_tasks' test_error_in_call_soon does).
        replaced = "call_soon" in getattr(loop, "__dict__", {})
        if not loop.is_closed() and not replaced:
            loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    case.new_test_loop = new_test_loop
    case.close_loop = staticmethod(close_loop)


class _ToPatchedLogger(logging.Handler):
    """Hand ``asyncio`` records to ``asyncio.base_events.logger`` when mocked."""

    def emit(self, record: logging.LogRecord) -> None:
        from asyncio import base_events

        target = getattr(base_events, "logger")
        if isinstance(target, logging.Logger):
            # not patched: behave as if this handler were not there
            if record.levelno >= logging.lastResort.level:  # type: ignore[union-attr]
                logging.lastResort.handle(record)  # type: ignore[union-attr]
            return
        method = getattr(target, record.levelname.lower())
        method(record.getMessage(), exc_info=record.exc_info)


def _bridge_logger() -> None:
    logging.getLogger("asyncio").addHandler(_ToPatchedLogger())
