"""StreamReader on its own: fed by hand, read on each loop (asyncio's included)."""

import asyncio

import pytest
from loop_streams import StreamReader

pytestmark = pytest.mark.timeout(30)


def run(loop, coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 10))


def fed(loop, data=b"", eof=False, limit=2**16):
    reader = StreamReader(limit=limit, loop=loop)
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


async def later(loop, action, *args):
    """Call ``action`` once the reader's current read has started waiting."""
    await asyncio.sleep(0)
    action(*args)


def test_limit_must_be_positive(loop):
    with pytest.raises(ValueError, match="Limit cannot be <= 0"):
        StreamReader(limit=0, loop=loop)
    with pytest.raises(ValueError):
        StreamReader(limit=-1, loop=loop)


def test_read_returns_what_is_there_up_to_n(loop):
    reader = fed(loop, b"hello world")
    assert run(loop, reader.read(5)) == b"hello"
    assert run(loop, reader.read(100)) == b" world"
    assert run(loop, reader.read(0)) == b""


def test_read_waits_for_data(loop):
    reader = fed(loop)

    async def main():
        loop.create_task(later(loop, reader.feed_data, b"late"))
        return await reader.read(10)

    assert run(loop, main()) == b"late"


def test_read_all_until_eof(loop):
    reader = fed(loop, b"a" * 100_000, limit=1000)

    async def main():
        loop.create_task(later(loop, reader.feed_eof))
        return await reader.read()

    assert run(loop, main()) == b"a" * 100_000
    assert reader.at_eof()
    assert run(loop, reader.read()) == b""


def test_read_at_eof_returns_empty(loop):
    reader = fed(loop, eof=True)
    assert run(loop, reader.read(10)) == b""
    assert reader.at_eof()


def test_readexactly(loop):
    reader = fed(loop, b"0123456789")
    assert run(loop, reader.readexactly(4)) == b"0123"
    assert run(loop, reader.readexactly(0)) == b""
    assert bytes(reader._buffer) == b"456789"

    async def main():
        loop.create_task(later(loop, reader.feed_data, b"abc"))
        return await reader.readexactly(8)

    assert run(loop, main()) == b"456789ab"


def test_readexactly_incomplete(loop):
    reader = fed(loop, b"abc", eof=True)
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, reader.readexactly(5))
    assert info.value.partial == b"abc"
    assert info.value.expected == 5
    assert reader.at_eof()


def test_readexactly_negative(loop):
    reader = fed(loop, b"abc")
    with pytest.raises(ValueError, match="less than zero"):
        run(loop, reader.readexactly(-1))


def test_readline(loop):
    reader = fed(loop, b"one\ntwo\nthree", eof=True)
    assert run(loop, reader.readline()) == b"one\n"
    assert run(loop, reader.readline()) == b"two\n"
    assert run(loop, reader.readline()) == b"three"
    assert run(loop, reader.readline()) == b""


def test_readline_over_limit_with_separator_consumes_line(loop):
    reader = fed(loop, b"x" * 10 + b"\nnext\n", limit=5)
    with pytest.raises(ValueError, match="chunk is longer than limit"):
        run(loop, reader.readline())
    assert bytes(reader._buffer) == b"next\n"
    assert run(loop, reader.readline()) == b"next\n"


def test_readline_over_limit_without_separator_clears(loop):
    reader = fed(loop, b"x" * 20, limit=5)
    with pytest.raises(ValueError, match="exceed the limit"):
        run(loop, reader.readline())
    assert bytes(reader._buffer) == b""


def test_readuntil(loop):
    reader = fed(loop, b"a||b||", eof=True)
    assert run(loop, reader.readuntil(b"||")) == b"a||"
    assert run(loop, reader.readuntil(b"||")) == b"b||"
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, reader.readuntil(b"||"))
    assert info.value.partial == b""
    assert info.value.expected is None


def test_readuntil_limit_overrun_leaves_data(loop):
    reader = fed(loop, b"abcdefgh!", limit=4)
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, reader.readuntil(b"!"))
    assert info.value.consumed == 8
    assert bytes(reader._buffer) == b"abcdefgh!"
    reader = fed(loop, b"abcdefgh", limit=4)
    with pytest.raises(asyncio.LimitOverrunError) as info:
        run(loop, reader.readuntil(b"!?"))
    assert info.value.consumed == 7  # all but the last len(sep) - 1 bytes


def test_readuntil_partial_separator_at_eof(loop):
    reader = fed(loop, b"data!", eof=True)
    with pytest.raises(asyncio.IncompleteReadError) as info:
        run(loop, reader.readuntil(b"!?"))
    assert info.value.partial == b"data!"


def test_readuntil_separator_split_across_chunks(loop):
    reader = fed(loop, b"abc\r")

    async def main():
        loop.create_task(later(loop, reader.feed_data, b"\nrest"))
        return await reader.readuntil(b"\r\n")

    assert run(loop, main()) == b"abc\r\n"
    assert bytes(reader._buffer) == b"rest"


def test_readuntil_empty_separator(loop):
    reader = fed(loop, b"abc")
    with pytest.raises(ValueError, match="at least one-byte"):
        run(loop, reader.readuntil(b""))


def test_readuntil_tuple_shortest_wins(loop):
    """asyncio's API from 3.13; ours on every version."""
    reader = fed(loop, b"key: value\r\nnext\n")
    assert run(loop, reader.readuntil((b"\n", b"\r\n"))) == b"key: value\r\n"
    assert run(loop, reader.readuntil((b"\r\n", b"\n"))) == b"next\n"
    with pytest.raises(ValueError, match="at least one element"):
        run(loop, reader.readuntil(()))
    with pytest.raises(ValueError, match="one-byte"):
        run(loop, reader.readuntil((b"", b"x")))


def test_exception_is_raised_by_reads(loop):
    reader = fed(loop, b"data")
    error = ConnectionResetError("gone")
    reader.set_exception(error)
    assert reader.exception() is error
    for coro in (
        reader.read(1),
        reader.readline(),
        reader.readexactly(1),
        reader.readuntil(b"x"),
    ):
        with pytest.raises(ConnectionResetError):
            run(loop, coro)


def test_set_exception_wakes_waiter(loop):
    reader = fed(loop)

    async def main():
        loop.create_task(later(loop, reader.set_exception, ValueError("boom")))
        await reader.readline()

    with pytest.raises(ValueError, match="boom"):
        run(loop, main())


def test_two_readers_at_once_is_an_error(loop):
    reader = fed(loop)

    async def main():
        first = loop.create_task(reader.read(1))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="already waiting"):
            await reader.readexactly(1)
        with pytest.raises(RuntimeError, match="already waiting"):
            await reader.readuntil(b"\n")
        reader.feed_data(b"x")
        return await first

    assert run(loop, main()) == b"x"


def test_cancelled_read_keeps_data(loop):
    reader = fed(loop, b"par")

    async def main():
        task = loop.create_task(reader.readexactly(10))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reader.feed_data(b"tial")
        return await reader.readexactly(7)

    assert run(loop, main()) == b"partial"


def test_async_iteration_over_lines(loop):
    reader = fed(loop, b"a\nb\nc", eof=True)

    async def main():
        return [line async for line in reader]

    assert run(loop, main()) == [b"a\n", b"b\n", b"c"]


def test_feed_after_eof_asserts(loop):
    reader = fed(loop, eof=True)
    with pytest.raises(AssertionError):
        reader.feed_data(b"x")


def test_repr(loop):
    reader = fed(loop, b"abc", eof=True, limit=10)
    assert repr(reader) == "<StreamReader 3 bytes eof limit=10>"


class Pausable:
    def __init__(self):
        self.calls = []

    def pause_reading(self):
        self.calls.append("pause")

    def resume_reading(self):
        self.calls.append("resume")


def test_flow_control_pauses_above_twice_limit(loop):
    reader = StreamReader(limit=10, loop=loop)
    transport = Pausable()
    reader.set_transport(transport)
    reader.feed_data(b"x" * 20)
    assert transport.calls == []
    reader.feed_data(b"x")
    assert transport.calls == ["pause"]
    reader.feed_data(b"x" * 100)  # already paused: no second call
    assert transport.calls == ["pause"]
    run(loop, reader.readexactly(111))
    assert transport.calls == ["pause", "resume"]


def test_waiting_while_paused_resumes(loop):
    reader = StreamReader(limit=1, loop=loop)
    transport = Pausable()
    reader.set_transport(transport)
    reader.feed_data(b"abc")

    async def main():
        loop.create_task(later(loop, reader.feed_data, b"d"))
        return await reader.readexactly(4)

    assert run(loop, main()) == b"abcd"
    assert transport.calls == ["pause", "resume", "pause", "resume"]


def test_transport_that_cannot_pause(loop):
    class Unpausable:
        def pause_reading(self):
            raise NotImplementedError

    reader = StreamReader(limit=1, loop=loop)
    reader.set_transport(Unpausable())
    reader.feed_data(b"abc")
    assert reader._transport is None
    assert run(loop, reader.read(10)) == b"abc"


def test_read_all_raises_a_pending_exception(loop):
    """read() gives up on what it collected when the stream fails, as
    asyncio's does, whether the error comes before or during the read."""
    reader = fed(loop, b"early")
    reader.set_exception(ConnectionResetError("before"))
    with pytest.raises(ConnectionResetError, match="before"):
        run(loop, reader.read())

    reader = fed(loop, b"partial")

    async def main():
        loop.create_task(later(loop, reader.set_exception, OSError("during")))
        return await reader.read()

    with pytest.raises(OSError, match="during"):
        run(loop, main())
