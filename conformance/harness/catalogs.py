"""The test suites a run can take its tests from: ``--catalog NAME``.

- ``cpython`` (default): CPython's own test_asyncio (``suites``/``collect``);
- ``uvloop``: uvloop's test suite at a pinned release, its asyncio variants
  (``uvloop_suites``).

Each catalog has its own list file and results folder; workers, watchdogs,
retries and classification are shared.
"""

from __future__ import annotations

import importlib.util
import unittest
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import adapt, collect, expected, guard, results, suites, uvloop_suites
from .loops import Factory


@dataclass(frozen=True)
class Catalog:
    name: str
    title: str
    suites: tuple[Any, ...]
    expected: Path  # the lists, expected.toml's format
    results: Path  # folder of the per-Python JSON files
    # in the worker, before the module is imported
    install: Callable[[str, Factory, type[Any]], None]
    available: Callable[[Any], bool]
    import_module: Callable[[Any], ModuleType]
    dropped: Callable[[Any, ModuleType], dict[str, str]]
    load: Callable[[Any, ModuleType, Factory], list[unittest.TestCase]]
    # raises guard.WrongLoop unless the loaded classes reach the loop under test
    verify: Callable[[str, type[Any], set[type]], None]
    # unittest's buffer: captured output joins a failure's traceback; off
    # where tests dup2() over the real stdout (uvloop's test_process)
    capture_output: bool = True

    @property
    def by_name(self) -> dict[str, Any]:
        return {suite.name: suite for suite in self.suites}


def _cpython_install(loop: str, make: Factory, loop_class: type[Any]) -> None:
    adapt.install(make, loop_class)


def _cpython_available(suite: Any) -> bool:
    spec = f"{collect.PACKAGE}.{suite.module}"
    return importlib.util.find_spec(spec) is not None


def _cpython_verify(loop: str, loop_class: type[Any], classes: set[type]) -> None:
    guard.verify(loop_class, classes)


def _uvloop_install(loop: str, make: Factory, loop_class: type[Any]) -> None:
    # adapt.install's policy and asyncio.EventLoop patches; not its
    # test.test_asyncio ones (these tests never import that package)
    uvloop_suites.prepare(loop)
    adapt._patch_policy(make)
    adapt._patch_event_loop_class(loop_class)


def _uvloop_verify(loop: str, loop_class: type[Any], classes: set[type]) -> None:
    guard.verify(loop_class, classes, virtual_clock=False)
    uvloop_suites.verify_policy(loop, classes)


CATALOGS: dict[str, Catalog] = {
    "cpython": Catalog(
        name="cpython",
        title="CPython's test_asyncio",
        suites=suites.SUITES,
        expected=expected.PATH,
        results=results.FOLDER,
        install=_cpython_install,
        available=_cpython_available,
        import_module=collect.import_module,
        dropped=collect.dropped,
        load=collect.load,
        verify=_cpython_verify,
    ),
    "uvloop": Catalog(
        name="uvloop",
        title="uvloop's test suite",
        suites=uvloop_suites.SUITES,
        expected=uvloop_suites.EXPECTED,
        results=uvloop_suites.RESULTS,
        install=_uvloop_install,
        available=uvloop_suites.available,
        import_module=uvloop_suites.import_module,
        dropped=uvloop_suites.dropped,
        load=uvloop_suites.load,
        verify=_uvloop_verify,
        capture_output=False,
    ),
}
