"""One version for every distribution until 1.0, pinned to each other by
minor series, and named in the changelog."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECTS = sorted(ROOT.glob("packages/*/pyproject.toml"))

pytestmark = pytest.mark.ours_only


def project(path):
    return tomllib.loads(path.read_text())["project"]


def test_versions_move_in_lockstep():
    versions = {project(p)["name"]: project(p)["version"] for p in PYPROJECTS}
    assert len(set(versions.values())) == 1, versions
    (version,) = set(versions.values())
    major, minor, _ = version.split(".")
    pin = f">={major}.{minor},<{major}.{int(minor) + 1}"
    for path in PYPROJECTS:
        meta = project(path)
        ours = [d for d in meta.get("dependencies", []) if d.startswith("loop-")]
        for extra in meta.get("optional-dependencies", {}).values():
            ours += [d for d in extra if d.startswith("loop-")]
        for dep in ours:
            assert dep.endswith(pin), (meta["name"], dep)
        module = path.parent / "src" / meta["name"].replace("-", "_") / "__init__.py"
        found = re.search(r'__version__ = "([^"]+)"', module.read_text())
        assert found and found.group(1) == version, module
        assert set(meta.get("urls", {})) >= {"Homepage", "Source", "Changelog"}
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()
