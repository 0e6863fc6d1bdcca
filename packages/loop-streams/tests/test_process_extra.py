"""create_subprocess_exec on our loop without loop-subprocess installed."""

import os
import subprocess
import sys

import pytest

PY = sys.executable


@pytest.mark.ours_only
def test_without_loop_subprocess_says_what_to_install(loop):
    """Our loop without loop-subprocess: the error names the distribution
    (the ``subprocess`` extra brings it)."""
    script = (
        "import asyncio, loop_core, loop_streams\n"
        "async def main():\n"
        "    await loop_streams.create_subprocess_exec('true')\n"
        "loop = loop_core.new_event_loop()\n"
        "try:\n"
        "    loop.run_until_complete(main())\n"
        "finally:\n"
        "    loop.close()\n"
    )
    env = dict(os.environ, LOOP_CORE_NO_AUTOLOAD="1")
    out = subprocess.run(
        [PY, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 1
    assert "NotImplementedError: subprocess_exec() needs loop-subprocess" in out.stderr
