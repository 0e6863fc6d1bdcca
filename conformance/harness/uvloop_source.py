"""uvloop's test suite, from the sdist of a pinned release, in a local cache.

Nothing of uvloop is kept in this repository: the first run downloads the
sdist with pip (the registry and its settings are the user's own), checks
its SHA-256, and unpacks the two things the harness uses into
``conformance/.cache/uvloop-<version>/`` (gitignored):

- ``uvloop_tests/``: the sdist's ``tests/`` (certificates included), renamed
  so that it cannot be taken for another distribution's ``tests`` package;
- ``uvloop/_testbase.py``: the base classes every test mixes in
  (``UVTestCase`` runs a body on uvloop, ``AIOTestCase`` on asyncio).

``_testbase`` starts with ``import uvloop``. Only the ``AIOTestCase``
variants run here (on the loop under test), never uvloop's own loop, so
``uvloop/__init__.py`` is a stub written by the harness on every
interpreter: one without uvloop wheels (PyPy, a new CPython) runs the same
tests as one with them, and any use of uvloop's API raises at once instead
of quietly testing the C loop. ``UVLOOP_SDIST=/path/to/uvloop-X.tar.gz``
uses a local copy of the sdist instead of downloading it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.23.0"
SHA256 = "28d160f51ab4da3b187063652e643dea6831072add4adc1e6d62afbe73b6be27"
CACHE = Path(__file__).resolve().parent.parent / ".cache"
ROOT = CACHE / f"uvloop-{VERSION}"  # goes on sys.path of workers and children
PACKAGE = "uvloop_tests"
SDIST_ENV = "UVLOOP_SDIST"

STUB = '''"""Stand-in for uvloop in the conformance harness (harness/uvloop_source.py).

The harness runs the asyncio variants of uvloop's tests only; a test that
reaches uvloop's own API is a uvloop-only test and must not run.
"""

__version__ = "stub"


def __getattr__(name):
    raise AttributeError(
        f"uvloop.{name}: uvloop is a stub in the conformance harness; "
        "only the asyncio (AIOTestCase) variants of its tests run"
    )
'''


class SourceError(Exception):
    """The pinned sdist could not be had or is not the one pinned."""


def ensure() -> Path:
    """The unpacked tests, fetched on first use; returns ``ROOT``."""
    done = ROOT / ".complete"
    if done.exists():
        return ROOT
    sdist = _sdist()
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SourceError(f"{sdist}: SHA-256 {digest}, expected {SHA256}")
    staging = Path(tempfile.mkdtemp(prefix="uvloop-", dir=_cache_dir()))
    try:
        _unpack(sdist, staging)
        shutil.rmtree(ROOT, ignore_errors=True)
        staging.rename(ROOT)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    done.write_text(f"uvloop {VERSION} from {sdist.name}\n")
    return ROOT


def _cache_dir() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


def _sdist() -> Path:
    local = os.environ.get(SDIST_ENV)
    if local:
        return Path(local)
    target = _cache_dir() / "sdist"
    found = target / f"uvloop-{VERSION}.tar.gz"
    if found.exists():
        return found
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"uvloop=={VERSION}",
        "--no-binary",
        ":all:",
        "--no-deps",
        "-d",
        str(target),
    ]
    try:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SourceError(
            f"could not download the uvloop {VERSION} sdist ({exc}); "
            f"install pip in this environment or set {SDIST_ENV}"
        ) from exc
    if not found.exists():
        raise SourceError(f"pip download left no {found}")
    return found


def _unpack(sdist: Path, into: Path) -> None:
    top = f"uvloop-{VERSION}/"
    testbase = top + "uvloop/_testbase.py"
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            if member.name == testbase:
                path = into / "uvloop" / "_testbase.py"
            elif member.name.startswith(top + "tests/"):
                path = into / PACKAGE / member.name.removeprefix(top + "tests/")
            else:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            path.write_bytes(source.read())
    (into / "uvloop" / "__init__.py").write_text(STUB)
    if not (into / PACKAGE / "__init__.py").exists():
        raise SourceError(f"{sdist}: no tests/ in the sdist")
    if not (into / "uvloop" / "_testbase.py").exists():
        raise SourceError(f"{sdist}: no uvloop/_testbase.py in the sdist")
