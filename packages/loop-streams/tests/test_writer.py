"""StreamWriter's lifecycle: repr, wait_closed, and the unclosed warning."""

import asyncio

import pytest
from loop_core.testing import gc_collect
from loop_streams import (
    StreamReader,
    StreamReaderProtocol,
    StreamWriter,
    open_connection,
    start_server,
)

pytestmark = pytest.mark.timeout(30)


def run(loop, coro):
    return loop.run_until_complete(asyncio.wait_for(coro, 10))


class FakeTransport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.closing = False
        self.written = []

    def write(self, data):
        self.written.append(bytes(data))

    def is_closing(self):
        return self.closing

    def close(self):
        self.closing = True

    def __repr__(self):
        return "<FakeTransport>"


def test_repr_and_plain_delegation(loop):
    reader = StreamReader(loop=loop)
    transport = FakeTransport()
    protocol = StreamReaderProtocol(reader, loop=loop)
    writer = StreamWriter(transport, protocol, reader, loop)
    assert (
        repr(writer) == "<StreamWriter transport=<FakeTransport> reader=<StreamReader>>"
    )
    writer.write(b"a")
    writer.writelines([b"b", bytearray(b"c")])
    assert b"".join(transport.written) == b"abc"
    assert writer.transport is transport
    assert writer.get_extra_info("missing", 42) == 42
    writer.close()
    assert writer.is_closing()


def test_reader_must_be_ours_or_none(loop):
    with pytest.raises(AssertionError):
        StreamWriter(FakeTransport(), None, object(), loop)


def test_unclosed_writer_warns_and_closes(loop):
    async def main():
        server_writers = []
        server = await start_server(
            lambda r, w: server_writers.append(w), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]
        reader, writer = await open_connection("127.0.0.1", port)
        transport = writer.transport
        with pytest.warns(ResourceWarning, match="unclosed <StreamWriter"):
            del writer
            gc_collect()
        assert transport.is_closing()
        await asyncio.sleep(0)  # connection_lost runs: the fd is released
        for writer in server_writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()

    run(loop, main())


def test_unclosed_writer_on_closed_loop_warns_without_traceback(loop_factory, recwarn):
    """Garbage-collected after its loop was closed: a ResourceWarning
    saying so, and no attempt to close (which would need the loop)."""
    loop = loop_factory()
    transport = FakeTransport()
    writer = StreamWriter(transport, None, None, loop)
    loop.close()
    unraisable = []
    import sys

    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        del writer
        gc_collect()
    finally:
        sys.unraisablehook = old_hook
    assert [str(w.message) for w in recwarn.list] == ["loop is closed"]
    assert recwarn.list[0].category is ResourceWarning
    assert unraisable == []
    assert not transport.closing


def test_closed_writer_does_not_warn(loop, recwarn):
    transport = FakeTransport()
    writer = StreamWriter(transport, None, None, loop)
    writer.close()
    del writer
    gc_collect()
    assert recwarn.list == []


def test_wait_closed_follows_connection_lost(loop):
    reader = StreamReader(loop=loop)
    protocol = StreamReaderProtocol(reader, loop=loop)
    transport = FakeTransport()
    protocol.connection_made(transport)
    writer = StreamWriter(transport, protocol, reader, loop)

    async def main():
        waiting = asyncio.ensure_future(writer.wait_closed())
        await asyncio.sleep(0)
        assert not waiting.done()
        writer.close()
        protocol.connection_lost(None)
        await waiting
        return reader.at_eof()

    assert run(loop, main()) is True


def test_drain_with_a_foreign_protocol(loop):
    """Any protocol with _drain_helper() works, as with asyncio."""
    calls = []

    class Foreign(asyncio.Protocol):
        async def _drain_helper(self):
            calls.append("drain")

    writer = StreamWriter(FakeTransport(), Foreign(), None, loop)
    run(loop, writer.drain())
    assert calls == ["drain"]
    writer.close()
