"""Third-party plugins, built and installed the way users get them.

Two small flit distributions under ``plugins/`` are built into wheels and
unzipped into a directory that a fresh interpreter gets on PYTHONPATH (what
installing a wheel amounts to), so their entry points are seen exactly as
an installed plugin's would be:

- loop-example-echo adds a loop method asyncio does not have, ``echo``,
  reached with ``loop.extension("echo")``, built on loop-core's public
  ``FdTransport`` alone;
- loop-conflict also provides ``create_connection``: next to loop-transports
  that is an ExtensionConflict naming both until ``register()`` chooses;
  without loop-transports it is simply the provider.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from installed import INSTALLED

pytestmark = pytest.mark.ours_only

PLUGINS = Path(__file__).with_name("plugins")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """name -> a directory holding that plugin's unzipped wheel."""
    if importlib.util.find_spec("flit_core") is None:
        pytest.skip("flit_core is not installed: pip install 'flit_core>=3.9,<4'")
    root = tmp_path_factory.mktemp("plugins")
    sites = {}
    for name in ("loop-example-echo", "loop-conflict"):
        wheels = root / "wheels" / name
        subprocess.run(
            [sys.executable, "-m", "flit_core.wheel", str(PLUGINS / name)]
            + ["--outdir", str(wheels)],
            check=True,
            capture_output=True,
        )
        (wheel,) = wheels.glob("*.whl")
        target = root / "site" / name
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
        sites[name] = target
    return sites


def run_with(site_dir: Path, *args: str) -> str:
    """stdout of a fresh interpreter that has the plugin installed."""
    env = {k: v for k, v in os.environ.items() if k != "LOOP_CORE_NO_AUTOLOAD"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(site_dir), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


ECHO = """
import json, loop_core
loop = loop_core.new_event_loop()
try:
    data = bytes(range(256)) * 1000
    back = loop.run_until_complete(loop.extension("echo")(data))
finally:
    loop.close()
print(json.dumps({
    "same": back == data,
    "provider": loop_core.extensions.available()["echo"],
    "is_loop_attribute": hasattr(loop, "echo"),
}))
"""


def test_plugin_adds_a_new_loop_method(site):
    result = json.loads(run_with(site["loop-example-echo"], "-c", ECHO))
    assert result["same"] is True
    assert result["provider"] == ["loop-example-echo", "loop_example_echo:echo"]
    # A new method lives behind loop.extension(), not on the loop itself.
    assert result["is_loop_attribute"] is False


def test_plugin_is_listed_by_python_m_loop_core(site):
    out = run_with(site["loop-example-echo"], "-m", "loop_core")
    (line,) = [x for x in out.splitlines() if x.split()[:1] == ["echo"]]
    assert "loop-example-echo" in line
    assert "loop_example_echo:echo" in line


def test_plugin_readme_example_runs(site):
    readme = (PLUGINS / "loop-example-echo" / "README.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert run_with(site["loop-example-echo"], "-c", example).strip() == "b'ping'"


CONFLICT = """
import asyncio, json, loop_core
from loop_core import extensions

async def chosen(loop, *args, **kwargs):
    return ("chosen", args)

def call(loop):
    try:
        who, args = loop.run_until_complete(
            loop.create_connection(asyncio.Protocol, "127.0.0.1", 9))
    except extensions.ExtensionConflict as exc:
        return {"conflict": str(exc)}
    return {"answer": [who, list(args[1:])]}  # args[0]: the protocol factory

loop = loop_core.new_event_loop()
try:
    result = {"before": call(loop)}
    extensions.register("create_connection", chosen)
    result["registered"] = call(loop)
    result["listed"] = extensions.available()["create_connection"][0]
finally:
    loop.close()
print(json.dumps(result))
"""


@pytest.mark.skipif(
    "loop-transports" not in INSTALLED, reason="needs loop-transports installed"
)
def test_two_providers_conflict_until_register_chooses(site):
    result = json.loads(run_with(site["loop-conflict"], "-c", CONFLICT))
    message = result["before"]["conflict"]
    assert "'create_connection'" in message
    assert "loop-transports (loop_transports.connections:create_connection)" in message
    assert "loop-conflict (loop_conflict:create_connection)" in message
    assert "register(" in message
    assert result["registered"] == {"answer": ["chosen", ["127.0.0.1", 9]]}
    assert result["listed"] == "registered"


@pytest.mark.skipif(
    "loop-transports" in INSTALLED, reason="loop-transports would be a second provider"
)
def test_a_sole_provider_is_used_without_conflict(site):
    result = json.loads(run_with(site["loop-conflict"], "-c", CONFLICT))
    assert result["before"] == {"answer": ["loop-conflict", ["127.0.0.1", 9]]}
    assert result["registered"] == {"answer": ["chosen", ["127.0.0.1", 9]]}


@pytest.mark.skipif(
    "loop-transports" not in INSTALLED, reason="needs loop-transports installed"
)
def test_python_m_loop_core_shows_the_conflict(site):
    out = run_with(site["loop-conflict"], "-m", "loop_core")
    (line,) = [x for x in out.splitlines() if x.split()[:1] == ["create_connection"]]
    assert "CONFLICT" in line
    assert "loop-transports" in line
    assert "loop-conflict" in line
