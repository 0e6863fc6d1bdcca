"""Any closed subset of the distributions works alone: what is missing says
what to install, what is present is reached through the loop, and the
wheels carry what a typed, plugin-based package needs."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import loop_core
import pytest
from installed import EXPECTED, INSTALLED, PIECES, PROVIDES, module_of

pytestmark = pytest.mark.ours_only


def test_installed_set_is_what_the_session_asked_for():
    if not EXPECTED:
        pytest.skip("not run by nox -s integration")
    assert INSTALLED == [name for name in PIECES if name in EXPECTED]


MISSING = [
    (dist, method)
    for dist, methods in PROVIDES.items()
    if dist not in INSTALLED
    for method in methods
]
PRESENT = [
    (dist, method)
    for dist, methods in PROVIDES.items()
    if dist in INSTALLED
    for method in methods
]


@pytest.mark.parametrize(("dist", "method"), MISSING)
def test_absent_method_names_its_distribution(dist, method):
    loop = loop_core.new_event_loop()
    try:
        with pytest.raises(NotImplementedError, match=f"{method}.*pip install {dist}"):
            getattr(loop, method)()
    finally:
        loop.close()


@pytest.mark.parametrize(("dist", "method"), PRESENT)
def test_present_method_comes_from_its_distribution(dist, method):
    available = loop_core.extensions.available()
    assert available[method][0] == dist
    provider = loop_core.extensions.resolve(method)
    assert provider.__module__.split(".")[0] == module_of(dist)


def test_import_loop_core_stays_light():
    code = "import sys, loop_core; print('importlib.metadata' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def _from_wheel(dist: importlib.metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    if text is None:
        return True
    return not json.loads(text).get("dir_info", {}).get("editable", False)


@pytest.mark.parametrize("name", INSTALLED)
def test_wheel_contents(name):
    dist = importlib.metadata.distribution(name)
    if not _from_wheel(dist):
        pytest.skip("installed editable; nox -s integration installs wheels")
    files = [str(path) for path in dist.files or []]
    module = module_of(name)
    assert f"{module}/py.typed" in files
    assert f"{module}/__init__.py" in files
    assert not [f for f in files if "tests/" in f or "/test_" in f or "conftest" in f]
    declared = {
        ep.name for ep in dist.entry_points if ep.group == "loop_core.extensions"
    }
    assert declared == set(PROVIDES.get(name, []))
