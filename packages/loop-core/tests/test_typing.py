"""Type checkers see asyncio's signatures on our loop, extension methods
included: a wrong call is an error, as it is on an AbstractEventLoop.

Needs mypy (the ``types`` nox session installs it); skipped without it.
"""

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.ours_only

pytest.importorskip("mypy")

PROGRAM = textwrap.dedent(
    """\
    import asyncio

    import loop_core


    async def main() -> None:
        loop = loop_core.new_event_loop()
        reveal_type(loop.create_connection)
        await loop.create_connection(asyncio.Protocol, host=1, port="x")
        await loop.create_server(asyncio.Protocol, port="x")
        await loop.subprocess_exec(asyncio.SubprocessProtocol, "ls", stdin="pipe")
        await loop.create_connection(asyncio.Protocol, "127.0.0.1", 1)
        await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
        await loop.subprocess_exec(asyncio.SubprocessProtocol, "true")
        loop.call_later("soon", print)
    """
)


@pytest.mark.timeout(300)
def test_mypy_flags_wrong_calls_and_shows_real_signatures(tmp_path):
    (tmp_path / "program.py").write_text(PROGRAM)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "program.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    report = out.stdout + out.stderr
    errors = {
        int(line.split(":")[1])
        for line in report.splitlines()
        if line.startswith("program.py:") and ": error:" in line
    }
    assert errors == {9, 10, 11, 15}, report
    (revealed,) = [line for line in report.splitlines() if "Revealed type" in line]
    assert "protocol_factory" in revealed and "ssl_handshake_timeout" in revealed
