"""The extension registry: stubs, register(), entry points (faked)."""

import asyncio
import inspect
import os
import platform
import subprocess
import sys

import loop_core
import pytest
from loop_core import EventLoop, extensions

pytestmark = pytest.mark.ours_only


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch):
    """Each test starts with no providers and leaves none behind."""
    saved = [
        (cls, name, cls.__dict__[name])
        for cls in extensions._targets
        for name in extensions.STUB_METHODS
    ]
    monkeypatch.setattr(extensions, "_registered", {})
    monkeypatch.setattr(extensions, "_resolved", {})
    monkeypatch.setattr(extensions, "_scanned", {})
    monkeypatch.setenv("LOOP_CORE_NO_AUTOLOAD", "1")
    for name in extensions.STUB_METHODS:
        extensions.unregister(name)
    yield
    for cls, name, method in saved:
        setattr(cls, name, method)


class FakeEntryPoint:
    def __init__(self, target):
        self.target = target
        self.loads = 0

    def load(self):
        self.loads += 1
        return self.target


def fake_scan(monkeypatch, name, *providers):
    entries = [
        (f"dist-{i}", f"mod{i}:{p.__name__}", FakeEntryPoint(p))
        for i, p in enumerate(providers)
    ]
    monkeypatch.setattr(extensions, "_scanned", {name: entries})
    monkeypatch.delenv("LOOP_CORE_NO_AUTOLOAD")
    return entries


def provider(loop, host, port, *, flag=False):
    return ("provided", loop, host, port, flag)


def other_provider(loop, *args):
    return ("other", args)


def test_stub_names_distribution(loop):
    with pytest.raises(NotImplementedError) as info:
        loop.create_connection(object, "127.0.0.1", 1)
    assert str(info.value) == (
        "create_connection() needs loop-transports: pip install loop-transports "
        "(from a checkout of loop: pip install ./packages/loop-transports)"
    )
    with pytest.raises(NotImplementedError, match="loop-subprocess"):
        loop.subprocess_exec(object, "true")


def test_register_replaces_class_attribute(loop):
    extensions.register("create_connection", provider)
    assert EventLoop.create_connection is provider
    assert inspect.signature(loop.create_connection) == inspect.signature(
        lambda host, port, *, flag=False: None
    )
    assert loop.create_connection("h", 1, flag=True) == ("provided", loop, "h", 1, True)


def test_unregister_restores_stub(loop):
    extensions.register("create_connection", provider)
    extensions.unregister("create_connection")
    assert EventLoop.create_connection is not provider
    assert EventLoop.create_connection.__name__ == "create_connection"
    with pytest.raises(NotImplementedError, match="loop-transports"):
        loop.create_connection(object, "h", 1)


def test_register_not_callable():
    with pytest.raises(TypeError):
        extensions.register("create_server", "not callable")


def test_custom_extension(loop):
    extensions.register("frobnicate", other_provider)
    bound = loop.extension("frobnicate")
    assert bound(1, 2) == ("other", (1, 2))
    assert bound.__name__ == "frobnicate"
    assert not hasattr(EventLoop, "frobnicate")
    assert extensions.available()["frobnicate"] == (
        "registered",
        f"{__name__}:other_provider",
    )


def test_unknown_extension(loop):
    with pytest.raises(NotImplementedError, match="no installed distribution"):
        loop.extension("no_such_method")


def test_entry_point_resolved_once(loop, monkeypatch):
    ((_, _, ep),) = fake_scan(monkeypatch, "create_server", provider)
    assert loop.create_server("h", 2) == ("provided", loop, "h", 2, False)
    assert EventLoop.create_server is provider
    assert loop.create_server("h", 3)[3] == 3
    assert ep.loads == 1
    assert extensions.available()["create_server"] == ("dist-0", "mod0:provider")


def test_duplicate_entry_points_conflict(loop, monkeypatch):
    fake_scan(monkeypatch, "create_server", provider, other_provider)
    with pytest.raises(extensions.ExtensionConflict) as info:
        loop.create_server("h", 1)
    assert "dist-0" in str(info.value) and "dist-1" in str(info.value)
    assert "CONFLICT" in extensions.available()["create_server"][0]
    # An explicit choice wins.
    extensions.register("create_server", other_provider)
    assert loop.create_server("h", 1) == ("other", ("h", 1))


def test_no_autoload_ignores_entry_points(loop, monkeypatch):
    fake_scan(monkeypatch, "create_server", provider)
    monkeypatch.setenv("LOOP_CORE_NO_AUTOLOAD", "1")
    with pytest.raises(NotImplementedError):
        loop.create_server("h", 1)
    assert "create_server" not in extensions.available()


def run_python(*args):
    env = dict(os.environ)
    env.pop("LOOP_CORE_NO_AUTOLOAD", None)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    ).stdout


def test_import_does_not_load_importlib_metadata():
    check = "import sys; {}print('importlib.metadata' in sys.modules)"
    if run_python("-c", check.format("")).strip() != "False":
        pytest.skip("the interpreter's startup already imports importlib.metadata")
    assert run_python("-c", check.format("import loop_core; ")).strip() == "False"


def test_python_m_loop_core():
    out = run_python("-m", "loop_core")
    assert "create_connection" in out
    assert "subprocess_exec" in out


def test_python_m_loop_core_says_what_is_installed_and_where():
    from importlib import metadata

    out = run_python("-m", "loop_core")
    first, *lines = out.splitlines()
    assert first.startswith(f"loop-core {loop_core.__version__} on ")
    assert platform.python_version() in first
    assert first.endswith(("poller: epoll", "poller: selectors"))
    dists = {}
    for line in lines[lines.index("distributions:") + 1 :]:
        if not line.startswith("  "):
            break
        name, version = line.split(None, 1)
        dists[name] = version
    assert dists["loop-core"] == metadata.version("loop-core")
    for name in ("loop-transports", "loop-subprocess", "loop-policy", "loop-streams"):
        try:
            assert dists[name] == metadata.version(name)
        except metadata.PackageNotFoundError:
            assert dists[name] == "-- not installed"


@pytest.mark.parametrize("name", extensions.STUB_METHODS)
def test_stub_shows_asyncio_signature(loop, name):
    # Introspection before the first call (help(), feature checks on
    # parameters) sees what asyncio's own loop shows on this Python.
    theirs = getattr(asyncio.SelectorEventLoop, name)
    assert inspect.signature(getattr(EventLoop, name)) == inspect.signature(theirs)
    bound = theirs.__get__(loop)
    assert inspect.signature(getattr(loop, name)) == inspect.signature(bound)
    if sys.version_info >= (3, 12):  # 3.11 has no marker for a sync callable
        assert inspect.iscoroutinefunction(getattr(loop, name))
