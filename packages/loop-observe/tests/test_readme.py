"""The README's example runs and prints what the README says."""

from pathlib import Path

import pytest
from loop_core.testing import run_readme_example

README = Path(__file__).parent.parent / "README.md"

pytestmark = pytest.mark.ours_only


def test_readme_example_runs():
    assert run_readme_example(README).splitlines() == [
        "blocked by task handler in handler",
        "coroutines: handler",
        "slow callbacks: 1 tasks: 1",
    ]
