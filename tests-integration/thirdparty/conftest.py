"""Shared pieces for running unchanged third-party asyncio software on our
loop and on asyncio's. Every test takes ``run`` (or ``loop_factory``), so
loop_core.testing parametrizes it over our loop (epoll and selectors
pollers) and asyncio's, and fails it on any exception-handler call or a
changed fd count.

``run(main)`` drives ``main()`` the way applications do, through
``asyncio.Runner`` with the fixture's loop factory, so task cancellation,
async-generator and executor shutdown at the end are the real ones, and a
hang ends as a ``TimeoutError`` in this test instead of stopping the run.
Plain helpers live in ``support.py`` (imported as ``thirdparty.support``).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from loop_core.testing import TLSCertificates

T = TypeVar("T")


@pytest.fixture
def run(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> Callable[..., Any]:
    def run(main: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        async def bounded() -> T:
            async with asyncio.timeout(timeout):
                return await main()

        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(bounded())

    return run


@pytest.fixture(scope="session")
def tls_files(
    tmp_path_factory: pytest.TempPathFactory, tls_certificates: TLSCertificates
) -> dict[str, Any]:
    """loop_core.testing's CA and localhost certificate as files (for
    uvicorn) and the contexts both sides use."""
    return {
        "certfile": tls_certificates.cert_file,
        "keyfile": tls_certificates.key_file,
        "cafile": tls_certificates.ca_file,
        "server_ctx": tls_certificates.server_context(),
        "client_ctx": tls_certificates.client_context(),
    }


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short directory for Unix socket paths (108-byte limit)."""
    with tempfile.TemporaryDirectory(prefix="lp") as name:
        yield Path(name)
