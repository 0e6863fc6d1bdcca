"""The README's example runs, and prints what it says it prints, with
warnings as errors (so on 3.14+ without a policy-system warning)."""

from pathlib import Path

from loop_core.testing import run_readme_example

README = Path(__file__).parent.parent / "README.md"


def test_readme_example_runs():
    assert run_readme_example(README).splitlines() == [
        "run: EventLoop",
        "Runner: EventLoop",
        "asyncio.run after install(): EventLoop",
        "asyncio.new_event_loop after install(): EventLoop",
        "asyncio.run after uninstall(): True",
    ]
