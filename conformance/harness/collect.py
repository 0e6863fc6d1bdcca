"""Turn one catalog entry into a ``unittest`` suite of the tests to run.

The CPython module is imported from the running interpreter's ``test``
package; its test classes are loaded as unittest would, dropped variants are
removed, and each port is built as a new class of that module so its test
ids read ``test_events.LoopEventLoopTests.test_...``.
"""

from __future__ import annotations

import importlib
import unittest
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from .guard import PORT_HOOK
from .loops import Factory
from .suites import HOOKS, Port, Suite

PACKAGE = "test.test_asyncio"


def short_id(test_id: str) -> str:
    """``test.test_asyncio.test_x.C.t`` -> ``test_x.C.t`` (uvloop's
    ``uvloop_tests.test_x.C.t`` likewise)."""
    for prefix in (PACKAGE + ".", "uvloop_tests."):
        if test_id.startswith(prefix):
            return test_id.removeprefix(prefix)
    return test_id


def import_module(suite: Suite) -> ModuleType:
    """Import the CPython module; may raise ``unittest.SkipTest``."""
    return importlib.import_module(f"{PACKAGE}.{suite.module}")


def dropped(suite: Suite, module: ModuleType) -> dict[str, str]:
    """The dropped variants this version of the module actually has."""
    return {name: why for name, why in suite.drop.items() if hasattr(module, name)}


def load(suite: Suite, module: ModuleType, make: Factory) -> list[unittest.TestCase]:
    """The tests of ``suite`` in run order, ports included."""
    loader = unittest.TestLoader()
    classes = [
        obj
        for name, obj in sorted(vars(module).items())
        if isinstance(obj, type)
        and issubclass(obj, unittest.TestCase)
        and obj.__module__ == module.__name__
        and name not in suite.drop
    ]
    classes += [
        build_port(port, module, make)
        for port in suite.ports
        if all(_has(module, path) for path in port.bases)
    ]
    tests: list[unittest.TestCase] = []
    for cls in classes:
        tests += flatten(loader.loadTestsFromTestCase(cls))
    return tests


def flatten(suite: unittest.TestSuite | unittest.TestCase) -> Iterator[Any]:
    if isinstance(suite, unittest.TestSuite):
        for item in suite:
            yield from flatten(item)
    else:
        yield suite


def _has(module: ModuleType, path: str) -> bool:
    """Whether this Python's version of the module has the class (ports of
    classes a version added or removed are built where they exist)."""
    try:
        _resolve(module, path)
    except AttributeError:
        return False
    return True


def _resolve(module: ModuleType, path: str) -> type:
    obj: Any = module
    for part in path.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise TypeError(f"{module.__name__}.{path} is not a class")
    return obj


def _track_shutdown_asyncgens(test: Any, loop: Any) -> Any:
    """test_runners.BaseTest.tearDown asserts ``loop.shutdown_ag_run``."""
    loop.shutdown_ag_run = False
    shutdown = loop.shutdown_asyncgens

    async def shutdown_asyncgens() -> None:
        loop.shutdown_ag_run = True
        await shutdown()

    loop.shutdown_asyncgens = shutdown_asyncgens
    return loop


def _open_sendfile_data(test: Any, loop: Any) -> Any:
    """test_base_events.BaseLoopSockSendfileTests.setUp also opens the data
    file its setUpClass wrote, as ``test.file``."""
    from test.support import os_helper

    test.file = open(os_helper.TESTFN, "rb")  # noqa: SIM115 (closed by cleanup)
    test.addCleanup(test.file.close)
    return loop


TWEAKS: dict[str, Callable[[Any, Any], Any]] = {
    "track_shutdown_asyncgens": _track_shutdown_asyncgens,
    "open_sendfile_data": _open_sendfile_data,
}


def build_port(port: Port, module: ModuleType, make: Factory) -> type:
    """A new TestCase class of ``module`` whose loop hook returns ``make()``."""
    if port.hook not in HOOKS:
        raise ValueError(f"port {port.name}: unknown hook {port.hook!r}")
    bases = tuple(_resolve(module, path) for path in port.bases)
    tweak = TWEAKS[port.tweak] if port.tweak else lambda test, loop: loop
    namespace: dict[str, Any] = {"__module__": module.__name__}

    if port.hook == "setUp":
        test_utils = importlib.import_module(f"{PACKAGE}.utils")
        keeps_threads = any(issubclass(b, test_utils.TestCase) for b in bases)

        def setUp(self: Any) -> None:
            # Skip the setUp that built asyncio's loop by hand; keep the
            # thread bookkeeping of test_utils.TestCase where it is a base.
            if keeps_threads:
                test_utils.TestCase.setUp(self)
                self.loop = tweak(self, make())
                self.set_event_loop(self.loop)
            else:
                self.loop = tweak(self, make())
                self.addCleanup(self.loop.close)

        namespace["setUp"] = setUp
    else:

        def hook(self: Any) -> Any:
            return tweak(self, make())

        namespace[port.hook] = hook

    namespace[PORT_HOOK] = port.hook
    cls = type(port.name, bases, namespace)
    cls.__qualname__ = port.name
    return cls
