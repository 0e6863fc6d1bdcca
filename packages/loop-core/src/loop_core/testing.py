"""A pytest plugin: every behaviour test runs on our loop *and* asyncio's.

Enable it with ``-p loop_core.testing`` (the repository's pytest config
does). It provides:

- ``loop_factory``: parametrized over ``loop_core`` (epoll on Linux),
  ``loop_core-selectors`` (the portable poller) and ``asyncio``; a callable
  that makes a loop of that kind. A test that fails on asyncio's
  loop is testing the wrong thing; mark behaviour that is ours alone with
  ``@pytest.mark.ours_only`` and it runs on our loop only.
- ``loop``: one loop from ``loop_factory``, closed after the test.
- ``loop_errors``: the contexts the loops' exception handler received. A
  test that expects handler calls asserts on them and clears the list.
- ``tls_certificates``: one test CA per session and a certificate it issued
  for localhost, 127.0.0.1 and ::1, as PEM files (``.ca_file``,
  ``.cert_file``, ``.key_file``); ``.server_context()`` /
  ``.client_context()`` make fresh ``ssl.SSLContext`` objects that serve it
  / trust the CA. The ``openssl`` command makes them: without it the test
  is skipped.
- ``server_ctx`` / ``client_ctx``: one fresh server / client context of
  ``tls_certificates`` per test.
- ``gc_collect()``: collect until garbage is finalized, PyPy included (a
  test that checks finalization, e.g. an unclosed object's
  ResourceWarning, calls it instead of ``gc.collect()``).

Teardown fails the test when a loop it made was left open, when the
exception handler was called and the test did not clear ``loop_errors``,
or when the process has a different number of open fds than before.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._loop import EventLoop
from ._testcerts import make_certificates

__all__ = [
    "LOOP_KINDS",
    "TLSCertificates",
    "count_open_fds",
    "run_readme_example",
    "stdlib_loop",
]


def stdlib_loop() -> asyncio.AbstractEventLoop:
    """asyncio's own loop, whatever policy is installed."""
    factory = getattr(asyncio, "EventLoop", None)  # 3.13+
    if factory is None:
        return asyncio.DefaultEventLoopPolicy().new_event_loop()
    loop: asyncio.AbstractEventLoop = factory()
    return loop


def _selectors_loop() -> asyncio.AbstractEventLoop:
    return EventLoop(poller="selectors")


# Ours twice: on the default poller (epoll on Linux) and on the portable
# selectors fallback, so the fallback keeps working where nobody runs it.
LOOP_KINDS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "loop_core": EventLoop,
    "loop_core-selectors": _selectors_loop,
    "asyncio": stdlib_loop,
}


def run_readme_example(readme: Path, index: int = 0) -> str:
    """Run a README's ``index``-th python code block in a fresh interpreter
    (warnings are errors) and return what it printed; every package's README
    example is tested this way."""
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", blocks[index]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def count_open_fds() -> int:
    for path in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(path))
        except OSError:
            continue
    return -1


def gc_collect() -> None:
    """Collect until unreachable objects are finalized, on every interpreter.

    One ``gc.collect()`` is enough on CPython. PyPy finalizes in order: an
    object whose ``__del__`` references another is finalized in one
    collection and the other in the next (an asyncio Task holding a
    transport as its result, a transport holding its socket), so it takes
    a few."""
    for _ in range(4):
        gc.collect()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ours_only: behaviour of our loop alone; skip the asyncio run"
    )
    config.addinivalue_line(
        "markers", "fd_leak_ok: do not check the open-fd count around this test"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "loop_factory" not in metafunc.fixturenames:
        return
    kinds = list(LOOP_KINDS)
    if metafunc.definition.get_closest_marker("ours_only"):
        kinds = [kind for kind in kinds if kind.startswith("loop_core")]
    metafunc.parametrize("loop_factory", kinds, indirect=True, ids=kinds)


@pytest.fixture
def loop_errors() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def loop_factory(
    request: pytest.FixtureRequest, loop_errors: list[dict[str, Any]]
) -> Iterator[Callable[[], asyncio.AbstractEventLoop]]:
    make = LOOP_KINDS[request.param]
    check_fds = request.node.get_closest_marker("fd_leak_ok") is None
    fds_before = count_open_fds()
    made: list[asyncio.AbstractEventLoop] = []

    def record(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        loop_errors.append(context)

    def factory() -> asyncio.AbstractEventLoop:
        loop = make()
        loop.set_exception_handler(record)
        made.append(loop)
        return loop

    yield factory

    problems = []
    for loop in made:
        if not loop.is_closed():
            problems.append(f"loop left open: {loop!r}")
            if not loop.is_running():
                loop.close()
    if loop_errors:
        lines = [f"  {c.get('message')!r}: {c.get('exception')!r}" for c in loop_errors]
        problems.append("unexpected exception-handler calls:\n" + "\n".join(lines))
        loop_errors.clear()
    made.clear()
    # Collecting is most of a small test's cost: do it only when the count
    # is off, to tell garbage awaiting collection from a real leak (and to
    # raise an unclosed object's ResourceWarning inside this test).
    if check_fds and count_open_fds() != fds_before:
        gc_collect()
        fds_after = count_open_fds()
        if fds_after != fds_before:
            problems.append(f"open fds changed: {fds_before} -> {fds_after}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def loop(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> Iterator[asyncio.AbstractEventLoop]:
    lp = loop_factory()
    yield lp
    if not lp.is_closed() and not lp.is_running():
        lp.close()


@dataclass(frozen=True)
class TLSCertificates:
    """A test CA and the certificate it issued for the loopback names, as
    PEM files (``ca_file``; ``cert_file`` with its ``key_file``).

    Contexts are made fresh on each call: a test may change one freely.
    """

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return context


@pytest.fixture(scope="session")
def tls_certificates(tmp_path_factory: pytest.TempPathFactory) -> TLSCertificates:
    # Made by the openssl command (see _testcerts): no test dependency that
    # needs a compiler on some interpreter. Once per session: it is slow.
    if shutil.which("openssl") is None:
        pytest.skip("TLS tests need the openssl command to make certificates")
    files = make_certificates(
        tmp_path_factory.mktemp("tls"), "localhost", "127.0.0.1", "::1"
    )
    return TLSCertificates(files.ca_file, files.cert_file, files.key_file)


@pytest.fixture
def server_ctx(tls_certificates: TLSCertificates) -> ssl.SSLContext:
    return tls_certificates.server_context()


@pytest.fixture
def client_ctx(tls_certificates: TLSCertificates) -> ssl.SSLContext:
    return tls_certificates.client_context()
