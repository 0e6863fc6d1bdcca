"""The top-level README's example runs and prints what it says."""

from pathlib import Path

import pytest
from loop_core.testing import run_readme_example

README = Path(__file__).resolve().parent.parent / "README.md"

pytestmark = pytest.mark.ours_only


def test_top_level_readme_example():
    assert run_readme_example(README) == "done on EventLoop"
