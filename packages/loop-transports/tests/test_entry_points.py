"""With loop-transports installed, loop-core's loop methods resolve to it."""

import os
import subprocess
import sys
import textwrap

import pytest
from loop_core import extensions
from loop_transports import connections, datagram, sendfile, server, tls, unix

pytestmark = pytest.mark.ours_only

PROVIDED = {
    "create_connection": connections.create_connection,
    "create_server": server.create_server,
    "connect_accepted_socket": connections.connect_accepted_socket,
    "create_unix_connection": unix.create_unix_connection,
    "create_unix_server": unix.create_unix_server,
    "create_datagram_endpoint": datagram.create_datagram_endpoint,
    "sendfile": sendfile.sendfile,
    "start_tls": tls.start_tls,
}


def test_entry_points_declared(loop):
    found = extensions.available()
    for name, func in PROVIDED.items():
        dist, target = found[name]
        assert dist == "loop-transports"
        assert target == f"{func.__module__}:{func.__name__}"


def test_loop_methods_resolve_to_loop_transports(loop):
    for name, func in PROVIDED.items():
        assert extensions.resolve(name) is func


def test_fresh_interpreter_new_event_loop_uses_us(loop):
    code = textwrap.dedent(
        """
        import asyncio, inspect
        import loop_core
        from loop_transports import connections

        async def main():
            loop = asyncio.get_running_loop()
            try:
                await loop.create_connection(asyncio.Protocol)
            except ValueError:
                pass
            assert type(loop).create_connection is connections.create_connection
            assert "happy_eyeballs_delay" in str(
                inspect.signature(loop.create_connection)
            )
            server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
            print(type(server).__module__)
            server.close()
            await server.wait_closed()

        loop = loop_core.new_event_loop()
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "LOOP_CORE_NO_AUTOLOAD"}
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "loop_transports.server"
