"""The uvloop catalog: uvloop's own test suite, asyncio variants only.

uvloop writes each test once, in a mixin, and runs it twice through
``uvloop/_testbase.py``: in a class mixing ``UVTestCase`` (uvloop's loop)
and in one mixing ``AIOTestCase``, whose ``new_loop()`` is
``asyncio.new_event_loop()`` and whose ``new_policy()`` is
``asyncio.DefaultEventLoopPolicy()``. With ``adapt.install`` in place both
give ours (the loop under test, and loop_policy's ``EventLoopPolicy``), so
the ``AIOTestCase`` classes run unchanged on our loop; the ``--loop
asyncio`` baseline runs them on asyncio's, as uvloop's CI does.

``UVTestCase`` classes and the plain ``TestCase`` classes of uvloop's API
(``uvloop.EventLoopPolicy``, ``uvloop.run``) are dropped, not counted, and
so are whole modules that test uvloop's internals (``SKIPPED_MODULES``).

Test ids are ``test_tcp.Test_AIO_TCP.test_...``: the module as uvloop names
it. Lists live in ``conformance/uvloop.toml`` (same sections as
expected.toml), results in ``conformance/results/uvloop/``.

Programs the tests start with ``sys.executable`` (test_signals' SIGINT
tests build their loop in a child) get the same policy patch through
``uvloop_site/sitecustomize.py``, so they too run on the loop under test.
"""

from __future__ import annotations

import importlib
import os
import sys
import unittest
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from . import uvloop_source
from .collect import flatten
from .guard import PORT_HOOK, WrongLoop
from .loops import Factory

HERE = Path(__file__).resolve().parent
EXPECTED = HERE.parent / "uvloop.toml"
RESULTS = HERE.parent / "results" / "uvloop"
SITE = HERE / "uvloop_site"  # sitecustomize for the tests' child Pythons
CHILD_LOOP_ENV = "CONFORMANCE_UVLOOP_CHILD_LOOP"

_UV_CLASS = "uvloop's own loop (UVTestCase); its asyncio twin runs"
# third-party modules some test modules import; absent, the module is skipped
TEST_DEPS = {"aiohttp": "aiohttp", "OpenSSL": "pyOpenSSL", "psutil": "psutil"}


@dataclass(frozen=True)
class UvloopSuite:
    """One module of uvloop's ``tests/``, as this harness runs it.

    Has the attributes of ``suites.Suite`` the orchestrator and the
    classifier read (``name``, ``module``, ``variant``, ``requires``).
    """

    module: str
    requires: str | None = None
    # plain TestCase classes that test uvloop's API, with the reason
    drop: dict[str, str] = field(default_factory=dict)
    variant: None = None
    quick: bool = False

    @property
    def name(self) -> str:
        return self.module


SUITES: tuple[UvloopSuite, ...] = (
    UvloopSuite("test_tcp", requires="loop-transports"),
    UvloopSuite("test_process", requires="loop-subprocess"),
    UvloopSuite(
        "test_base",
        drop={"TestPolicy": "uvloop.EventLoopPolicy and uvloop.Loop"},
    ),
    UvloopSuite("test_unix", requires="loop-transports"),
    UvloopSuite("test_sockets"),
    UvloopSuite("test_dns"),
    UvloopSuite("test_udp", requires="loop-transports"),
    UvloopSuite("test_context", requires="loop-transports"),
    UvloopSuite("test_signals", requires="loop-subprocess"),
    UvloopSuite("test_pipes", requires="loop-transports"),
    UvloopSuite("test_executors"),
    UvloopSuite("test_aiohttp", requires="loop-transports"),
)
BY_NAME: dict[str, UvloopSuite] = {suite.name: suite for suite in SUITES}

# Modules with no asyncio variant: not imported, not counted.
SKIPPED_MODULES = {
    "test_cython": "uvloop's Cython coroutine helpers",
    "test_dealloc": "uvloop's loop deallocation at interpreter exit",
    "test_fs_event": "uvloop's FileSystemEvent (libuv fs events)",
    "test_libuv_api": "uvloop's libuv C API capsules",
    "test_process_spawning": "uvloop's fork safety with libuv threads",
    "test_regr1": "a uvloop regression (issue 39), uvloop loops only",
    "test_runner": "uvloop.run()",
    "test_sourcecode": "flake8 and mypy over uvloop's source tree",
    "test_testbase": "uvloop's test helpers (_testbase), not a loop",
}


def prepare(loop: str) -> None:
    """Make the unpacked tests importable here and in the tests' children."""
    root = uvloop_source.ensure()
    sys.path.insert(0, str(root))
    paths = [str(SITE), str(root), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    os.environ[CHILD_LOOP_ENV] = loop


def available(suite: Any) -> bool:
    return True


def import_module(suite: Any) -> ModuleType:
    """Import ``uvloop_tests.<module>``; a missing test dependency skips it."""
    try:
        return importlib.import_module(f"{uvloop_source.PACKAGE}.{suite.module}")
    except ImportError as exc:
        if exc.name in TEST_DEPS:
            raise unittest.SkipTest(
                f"needs {TEST_DEPS[exc.name]} (not installed)"
            ) from None
        raise


def _testbase() -> Any:
    return importlib.import_module("uvloop._testbase")


def _classes(module: ModuleType) -> dict[str, type]:
    return {
        name: obj
        for name, obj in sorted(vars(module).items())
        if isinstance(obj, type)
        and issubclass(obj, unittest.TestCase)
        and obj.__module__ == module.__name__
    }


def dropped(suite: Any, module: ModuleType) -> dict[str, str]:
    """Every class not run: uvloop's twins and uvloop-API classes."""
    tb = _testbase()
    out: dict[str, str] = {}
    for name, cls in _classes(module).items():
        if issubclass(cls, tb.AIOTestCase):
            continue
        if issubclass(cls, tb.UVTestCase):
            out[name] = _UV_CLASS
        elif name in suite.drop:
            out[name] = suite.drop[name]
        else:
            raise WrongLoop(
                f"{module.__name__}.{name} is neither an AIOTestCase nor listed "
                "in uvloop_suites: decide whether it tests a loop"
            )
    return out


def load(suite: Any, module: ModuleType, make: Factory) -> list[unittest.TestCase]:
    """The ``AIOTestCase`` tests of ``module``, each class marked for the
    guard: its ``new_loop()`` must make the loop under test."""
    tb = _testbase()
    # uvloop's tests branch on is_asyncio_loop(), which asks whether the
    # loop's class lives in the asyncio package; ours is a drop-in for
    # asyncio's, so it takes asyncio's branch (3.14's task factory gets the
    # name, and the factory must set it, as on asyncio).
    tb.AIOTestCase.is_asyncio_loop = lambda self: True
    loader = unittest.TestLoader()
    tests: list[unittest.TestCase] = []
    for cls in _classes(module).values():
        if issubclass(cls, tb.AIOTestCase):
            setattr(cls, PORT_HOOK, "new_loop")
            tests += flatten(loader.loadTestsFromTestCase(cls))
    return tests


def verify_policy(loop: str, classes: set[type]) -> None:
    """``new_policy()`` gives loop_policy's policy when it is installed."""
    if loop != "loop_core":
        return
    try:
        import loop_policy
    except ImportError:
        return
    for cls in classes:
        policy = cls.__new__(cls).new_policy()
        if not isinstance(policy, loop_policy.EventLoopPolicy):
            raise WrongLoop(
                f"{cls.__qualname__}.new_policy() made a "
                f"{type(policy).__module__}.{type(policy).__qualname__}, "
                "not loop_policy.EventLoopPolicy"
            )
