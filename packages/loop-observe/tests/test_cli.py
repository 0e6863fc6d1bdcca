"""python -m loop_observe: an unchanged program, observed."""

import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.ours_only, pytest.mark.timeout(60)]

PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import time


    async def handler():
        time.sleep(0.3)  # blocks the loop


    async def main():
        print("on", type(asyncio.get_running_loop()).__module__)
        await asyncio.create_task(handler(), name="slow-handler")


    asyncio.run(main())
    """
)


def test_runs_the_program_reports_the_block_and_sums_up(tmp_path):
    (tmp_path / "app.py").write_text(PROGRAM)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "loop_observe",
            "--threshold",
            "50",
            "--interval",
            "0.05",
            "app.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "on loop_core._loop\n"
    err = out.stderr
    assert "loop blocked for" in err and "task 'slow-handler'" in err
    assert f"{tmp_path / 'app.py'}:6 in handler" in err
    assert "python -m loop_observe summary:" in err
    assert "blocking reports: 1" in err


def test_program_exit_status_is_kept(tmp_path):
    (tmp_path / "fail.py").write_text("raise SystemExit(3)\n")
    out = subprocess.run(
        [sys.executable, "-m", "loop_observe", "--interval", "0", "fail.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert out.returncode == 3, out.stderr
