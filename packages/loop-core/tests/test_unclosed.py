"""An unclosed loop warns ResourceWarning when collected, as asyncio's does,
and closes what it opened; and a test that leaks one fails the suite."""

import asyncio
import gc
import subprocess
import sys
import textwrap

import loop_core
import pytest
from loop_core.testing import count_open_fds, gc_collect

MAKERS = {
    "ours": loop_core.new_event_loop,
    "ours-selectors": lambda: loop_core.EventLoop(poller="selectors"),
    "asyncio": asyncio.SelectorEventLoop,
}


@pytest.mark.parametrize("kind", list(MAKERS))
def test_unclosed_loop_warns_when_collected_and_releases_its_fds(kind):
    gc_collect()
    before = count_open_fds()
    loop = MAKERS[kind]()
    loop.call_soon(print)  # something scheduled, never run
    assert count_open_fds() > before
    with pytest.warns(ResourceWarning, match="unclosed event loop"):
        del loop
        gc_collect()
    assert count_open_fds() == before


@pytest.mark.parametrize("kind", list(MAKERS))
def test_closed_loop_collects_silently(kind, recwarn):
    loop = MAKERS[kind]()
    loop.close()
    del loop
    gc.collect()
    assert not [w for w in recwarn if issubclass(w.category, ResourceWarning)]


LEAKY_TEST = textwrap.dedent(
    """\
    import loop_core
    from loop_core.testing import gc_collect

    def test_leaks_a_loop():
        loop_core.new_event_loop()
        gc_collect()
    """
)


@pytest.mark.ours_only
@pytest.mark.timeout(120)
def test_a_test_that_leaks_an_unclosed_loop_fails(tmp_path):
    # What makes every package suite fail on a leaked ResourceWarning: the
    # warning comes from __del__ (an unraisable exception once it is an
    # error), which pytest reports as PytestUnraisableExceptionWarning, an
    # error too under the suites' filterwarnings = ["error"] (-W error here).
    (tmp_path / "test_leak.py").write_text(LEAKY_TEST)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "test_leak.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "unclosed event loop" in out.stdout
