"""loop-observe with the other distributions: a server's fds counted, and a
blocking stream handler named by ``python -m loop_observe``."""

import asyncio
import subprocess
import sys
import textwrap

import pytest
from installed import INSTALLED

pytestmark = [
    pytest.mark.ours_only,
    pytest.mark.timeout(60),
    pytest.mark.skipif(
        "loop-observe" not in INSTALLED, reason="loop-observe is not installed"
    ),
]


@pytest.mark.skipif("loop-transports" not in INSTALLED, reason="needs loop-transports")
def test_a_servers_listening_sockets_are_counted():
    import loop_core
    import loop_observe

    loop = loop_core.new_event_loop()
    try:
        before = loop_observe.stats(loop).fds

        async def main():
            server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
            async with server:
                return loop_observe.stats(loop).fds

        during = loop.run_until_complete(main())
        after = loop_observe.stats(loop).fds
    finally:
        loop.close()
    assert during == before + 1
    assert after == before


SERVER = textwrap.dedent(
    """\
    import asyncio
    import time


    async def handle(reader, writer):
        await reader.readline()
        time.sleep(0.3)  # the blocking call in a handler
        writer.write(b"done\\n")
        await writer.drain()
        writer.close()


    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"hello\\n")
            print((await reader.readline()).decode().strip())
            writer.close()
            await writer.wait_closed()


    asyncio.run(main())
    """
)


@pytest.mark.skipif(
    "loop-streams" not in INSTALLED, reason="needs loop-streams (and transports)"
)
def test_the_detector_names_the_line_a_stream_handler_blocks_on(tmp_path):
    (tmp_path / "server.py").write_text(SERVER)
    out = subprocess.run(
        [sys.executable, "-m", "loop_observe", "--threshold", "50", "server.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "done\n"
    assert f"{tmp_path / 'server.py'}:7 in handle" in out.stderr
