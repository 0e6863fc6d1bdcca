"""WriteFlowControl on its own: asyncio's water-mark rules, written once for
every transport that queues writes."""

import asyncio

import pytest
from loop_core import WriteFlowControl

pytestmark = pytest.mark.ours_only


class Recorder(asyncio.Protocol):
    def __init__(self):
        self.calls = []

    def pause_writing(self):
        self.calls.append("pause")

    def resume_writing(self):
        self.calls.append("resume")


class Queue(WriteFlowControl):
    """The smallest subclass: a counter for a queue."""

    def __init__(self, loop=None):
        super().__init__()
        self._protocol = Recorder()
        self._loop = loop
        self._buffer_size = 0

    def queue(self, n):
        self._buffer_size += n
        self._maybe_pause_protocol()

    def drain(self, n):
        self._buffer_size -= n
        self._maybe_resume_protocol()


def test_defaults_and_limits_as_asyncio():
    t = Queue()
    assert t.get_write_buffer_limits() == (16 * 1024, 64 * 1024)
    t.set_write_buffer_limits(high=100)
    assert t.get_write_buffer_limits() == (25, 100)
    t.set_write_buffer_limits(low=10)
    assert t.get_write_buffer_limits() == (10, 40)
    with pytest.raises(ValueError):
        t.set_write_buffer_limits(high=1, low=2)
    with pytest.raises(ValueError):
        t.set_write_buffer_limits(high=-1)
    assert isinstance(t, asyncio.Transport)


def test_pause_above_high_resume_at_low_once_each():
    t = Queue()
    t.set_write_buffer_limits(high=100, low=10)
    t.queue(100)
    assert t._protocol.calls == []  # at the mark: not above it
    t.queue(1)
    t.queue(50)
    assert t._protocol.calls == ["pause"]
    assert t._protocol_paused
    t.drain(140)
    assert t._protocol.calls == ["pause"]  # 11 > low
    t.drain(1)
    t.drain(10)
    assert t._protocol.calls == ["pause", "resume"]
    assert t.get_write_buffer_size() == 0


def test_pause_at_high_water_when_the_class_says_so():
    class AtMark(Queue):
        pause_at_high_water = True
        default_high_water = 512 * 1024

    t = AtMark()
    assert t.get_write_buffer_limits() == (128 * 1024, 512 * 1024)
    t.set_write_buffer_limits(high=100)
    t.queue(100)
    assert t._protocol.calls == ["pause"]


def test_lowering_the_mark_pauses_at_once():
    t = Queue()
    t.queue(1000)
    assert t._protocol.calls == []
    t.set_write_buffer_limits(high=500)
    assert t._protocol.calls == ["pause"]


def test_protocol_errors_go_to_the_exception_handler():
    loop = asyncio.new_event_loop()
    try:
        seen = []
        loop.set_exception_handler(lambda _loop, ctx: seen.append(ctx))
        t = Queue(loop)

        def broken():
            raise ZeroDivisionError

        t._protocol.pause_writing = broken
        t.set_write_buffer_limits(high=0)
        t.queue(1)
        assert len(seen) == 1
        assert isinstance(seen[0]["exception"], ZeroDivisionError)
        assert seen[0]["transport"] is t
        assert "pause_writing" in seen[0]["message"]
        assert t._protocol_paused  # paused all the same, as asyncio's
    finally:
        loop.close()
