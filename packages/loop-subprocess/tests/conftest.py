"""Helpers for loop-subprocess' tests: a recording protocol and a runner.

Every test body runs on our loop (both pollers) and on asyncio's through
loop_core.testing's ``loop`` fixture; children are ``sys.executable -c``.
"""

import asyncio
import os
import sys
import types

import pytest

PY = sys.executable


class Recorder(asyncio.SubprocessProtocol):
    """Records every callback, in order; futures for exit and the end."""

    def __init__(self):
        loop = asyncio.get_running_loop()
        self.events = []
        self.data = {1: bytearray(), 2: bytearray()}
        self.exited = loop.create_future()
        self.lost = loop.create_future()
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.events.append("connection_made")

    def pipe_data_received(self, fd, data):
        if not self.events or self.events[-1] != ("data", fd):
            self.events.append(("data", fd))
        self.data[fd] += data

    def pipe_connection_lost(self, fd, exc):
        self.events.append(("pipe_connection_lost", fd, exc))

    def process_exited(self):
        self.events.append("process_exited")
        self.exited.set_result(self.transport.get_returncode())

    def pause_writing(self):
        self.events.append("pause_writing")
        self.can_write.clear()

    def resume_writing(self):
        self.events.append("resume_writing")
        self.can_write.set()

    def connection_lost(self, exc):
        self.events.append(("connection_lost", exc))
        self.lost.set_result(exc)


def zombie_children():
    """Our children that have exited and nobody has waited for."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z" and fields[1] == me:
            found.append(int(entry))
    return found


@pytest.fixture
def helpers():
    return types.SimpleNamespace(Recorder=Recorder, PY=PY, zombies=zombie_children)


@pytest.fixture
def run(loop):
    """Run a coroutine on the test's loop with a safety timeout."""

    def run(coro, timeout=30):
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run
