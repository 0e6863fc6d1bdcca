"""With loop-subprocess installed, loop-core's loop methods resolve to it."""

import pytest
from loop_core import extensions
from loop_subprocess import SubprocessTransport, pipes, processes

pytestmark = pytest.mark.ours_only

PROVIDED = {
    "subprocess_exec": processes.subprocess_exec,
    "subprocess_shell": processes.subprocess_shell,
    "connect_read_pipe": pipes.connect_read_pipe,
    "connect_write_pipe": pipes.connect_write_pipe,
}


def test_entry_points_declared(loop):
    found = extensions.available()
    for name, func in PROVIDED.items():
        dist, target = found[name]
        assert dist == "loop-subprocess"
        assert target == f"{func.__module__}:{func.__name__}"


def test_loop_methods_resolve_to_loop_subprocess(loop):
    for name, func in PROVIDED.items():
        assert extensions.resolve(name) is func


def test_transport_type_is_public(loop):
    import asyncio
    import sys

    async def main():
        transport, proto = await loop.subprocess_exec(
            asyncio.SubprocessProtocol, sys.executable, "-c", "", stdin=None
        )
        transport.close()
        await transport._wait()
        return transport

    transport = loop.run_until_complete(main())
    assert isinstance(transport, SubprocessTransport)
    assert isinstance(transport, asyncio.SubprocessTransport)
