"""The README's example runs, and prints what it says it prints."""

from pathlib import Path

from loop_core.testing import run_readme_example

README = Path(__file__).parent.parent / "README.md"


def test_readme_example_runs():
    assert run_readme_example(README) == "EventLoop: b'PING' exit 0"
