"""Forking from inside a running loop: the child starts a fresh loop."""

import asyncio
import os
import signal
import socket
import sys
import traceback
import warnings

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


async def child_work(loop):
    assert asyncio.get_running_loop() is loop
    await asyncio.sleep(0.01)
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        b.setblocking(False)
        await loop.sock_sendall(a, b"from the child")
        return await loop.sock_recv(b, 100)


def child(loop_factory, loop_errors):
    """Runs in the forked child; never returns."""
    code = 3
    try:
        # Never outlive a stuck test: the parent waits for us.
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(20)
        assert asyncio.events._get_running_loop() is None
        new = loop_factory()
        try:
            result = new.run_until_complete(child_work(new))
        finally:
            new.close()
        code = 0 if result == b"from the child" and not loop_errors else 4
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def test_fork_in_running_loop(loop, loop_factory, loop_errors):
    async def main():
        await asyncio.sleep(0)
        with warnings.catch_warnings():
            # 3.12+ warns about fork() in a process with threads (the
            # executors of earlier tests may still be winding down).
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            child(loop_factory, loop_errors)
        # The parent's loop carries on as before.
        await asyncio.sleep(0.01)
        return pid

    pid = loop.run_until_complete(main())
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0
