"""Extensions found through real entry points: a plugin "installed" as a
dist-info directory on sys.path, used from a fresh interpreter."""

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.ours_only


def unprovided_stub():
    """A loop method no installed distribution provides here (the fake
    plugin must not collide with a real one, e.g. loop-transports)."""
    from loop_core import extensions

    free = [m for m in extensions.STUB_METHODS if m not in extensions.available()]
    if not free:
        pytest.skip("every stub method is provided by an installed distribution")
    return free[0]


def install_fake_dist(root, dist, module, entry_points, source):
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n"
    )
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[loop_core.extensions]\n{lines}")


def run(code, path, **env):
    import os

    environ = dict(os.environ, PYTHONPATH=str(path), **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )


PLUGIN = """
    import asyncio

    async def hello(loop, name):
        await asyncio.sleep(0)
        return f"hello {name}, from {type(loop).__name__}"

    async def stub_method(loop, *args, **kwargs):
        return ("fake", args)
"""

USE = """
    import sys, loop_core
    assert "importlib.metadata" not in sys.modules
    loop = loop_core.new_event_loop()
    print(loop.run_until_complete(loop.extension("hello")("world")))
    print(loop.run_until_complete(getattr(loop, METHOD)(None, "h", 1)))
    import inspect
    print(list(inspect.signature(getattr(loop_core.EventLoop, METHOD)).parameters))
    loop.close()
"""


def test_plugin_methods_resolve_from_entry_points(tmp_path):
    method = unprovided_stub()
    install_fake_dist(
        tmp_path,
        "loop-hello",
        "loop_hello",
        {"hello": "loop_hello:hello", method: "loop_hello:stub_method"},
        PLUGIN,
    )
    out = run(f"\n    METHOD = {method!r}" + USE, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "hello world, from EventLoop"
    assert lines[1] == "('fake', (None, 'h', 1))"
    assert lines[2] == "['loop', 'args', 'kwargs']"


def test_entry_points_are_read_before_the_loop_runs(tmp_path):
    # The scan stats every sys.path entry: blocking I/O that must not run
    # inside a running loop (blocking-call detectors flag it), so making
    # the loop reads them and the first call inside the loop does not.
    install_fake_dist(
        tmp_path, "loop-hello", "loop_hello", {"hello": "loop_hello:hello"}, PLUGIN
    )
    out = run(
        """
        import importlib.metadata, loop_core

        loop = loop_core.new_event_loop()

        def refuse(**kwargs):
            raise AssertionError("entry points read inside the running loop")

        importlib.metadata.entry_points = refuse

        async def main():
            return await loop.extension("hello")("world")

        print(loop.run_until_complete(main()))
        loop.close()
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello world, from EventLoop"


def test_two_providers_conflict(tmp_path):
    for dist, module in (("loop-a", "loop_a"), ("loop-b", "loop_b")):
        install_fake_dist(
            tmp_path,
            dist,
            module,
            {"hello": f"{module}:hello"},
            PLUGIN,
        )
    out = run(
        """
        import loop_core
        loop = loop_core.new_event_loop()
        try:
            loop.extension("hello")
        except loop_core.extensions.ExtensionConflict as exc:
            print("conflict:", exc)
        finally:
            loop.close()
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "conflict:" in out.stdout
    assert "loop-a" in out.stdout and "loop-b" in out.stdout


def test_no_autoload_ignores_entry_points(tmp_path):
    install_fake_dist(
        tmp_path, "loop-hello", "loop_hello", {"hello": "loop_hello:hello"}, PLUGIN
    )
    out = run(
        """
        import loop_core
        try:
            loop_core.extensions.resolve("hello")
        except NotImplementedError as exc:
            print("missing:", exc)
        """,
        tmp_path,
        LOOP_CORE_NO_AUTOLOAD="1",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("missing:")


def test_python_m_loop_core_lists_plugins(tmp_path):
    method = unprovided_stub()
    install_fake_dist(
        tmp_path, "loop-hello", "loop_hello", {"hello": "loop_hello:hello"}, PLUGIN
    )
    out = subprocess.run(
        [sys.executable, "-m", "loop_core"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    assert "hello" in out.stdout and "loop-hello" in out.stdout
    assert f"{method}() needs loop-" in out.stdout
