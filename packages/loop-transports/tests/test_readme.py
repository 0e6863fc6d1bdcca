"""The README's example runs, and prints what it says it prints."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.timeout(60)
def test_readme_example_runs():
    (example,) = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", example],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Server on EventLoop: b'ping'"
