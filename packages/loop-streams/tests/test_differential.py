"""Fuzzing the limits: our StreamReader against asyncio's, fed the same chunks.

Random byte streams (from a small alphabet, so separators occur and
straddle chunk boundaries) arrive in random chunk sizes while readline() /
readuntil() (and, between them, read() / readexactly()) run with limits
from 1 byte to 64 KiB. Both readers must give
the same results, the same exceptions (type, message, ``consumed``,
``partial``, ``expected``) and keep the same bytes buffered after every
step. asyncio's StreamReader is only the oracle here.
"""

import asyncio
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loop_streams import StreamReader

pytestmark = [pytest.mark.timeout(60), pytest.mark.ours_only]

SEPARATORS = [b"\n", b"ab", b"\r\n", b"aaa", b"b\nb"]
if sys.version_info >= (3, 13):
    SEPARATORS += [(b"\n", b"\r\n"), (b"ab", b"b"), (b"aaa", b"a\n", b"\n")]

ALPHABET = b"ab\r\nx"

limits = st.one_of(st.integers(1, 16), st.integers(1, 64 * 1024))
chunks = st.lists(
    st.binary(min_size=0, max_size=40).map(
        lambda raw: bytes(ALPHABET[b % len(ALPHABET)] for b in raw)
    ),
    max_size=12,
)
operations = st.lists(
    st.one_of(
        st.just(("readline",)),
        st.tuples(st.just("readuntil"), st.sampled_from(SEPARATORS)),
        st.just(("feed",)),
        st.tuples(st.sampled_from(["read", "readexactly"]), st.integers(-1, 50)),
    ),
    min_size=1,
    max_size=8,
)


def outcome_of(task):
    if task.cancelled():
        return ("pending",)
    exc = task.exception()
    if exc is None:
        return ("ok", task.result())
    return (
        type(exc),
        exc.args,
        getattr(exc, "consumed", None),
        getattr(exc, "partial", None),
        getattr(exc, "expected", None),
    )


async def play(reader, limit_chunks, ops, eof):
    """Run ``ops``, feeding the next chunk whenever a read is waiting."""
    pending = list(limit_chunks)
    loop = asyncio.get_running_loop()
    trace = []
    for op in ops:
        if op[0] == "feed":
            if pending:
                reader.feed_data(pending.pop(0))
            trace.append(("fed", bytes(reader._buffer)))
            continue
        if op[0] == "readline":
            task = loop.create_task(reader.readline())
        else:
            task = loop.create_task(getattr(reader, op[0])(op[1]))
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            if task.done():
                break
            if pending:
                reader.feed_data(pending.pop(0))
            elif eof and not reader._eof:
                reader.feed_eof()
            else:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                break
        trace.append((outcome_of(task), bytes(reader._buffer), reader.at_eof()))
    return trace


def _same_as_asyncio(loop, limit, data, ops, eof):
    """Play the same script on our reader and asyncio's; the traces match."""

    async def both():
        ours = await play(StreamReader(limit=limit), data, ops, eof)
        theirs = await play(asyncio.StreamReader(limit=limit), data, ops, eof)
        return ours, theirs

    ours, theirs = loop.run_until_complete(both())
    assert ours == theirs


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limit=limits, data=chunks, ops=operations, eof=st.booleans())
def test_same_as_asyncio(loop, limit, data, ops, eof):
    _same_as_asyncio(loop, limit, data, ops, eof)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    line=st.integers(0, 70_000),
    chunk=st.integers(1, 20_000),
    limit=st.sampled_from([1, 1024, 64 * 1024]),
)
def test_long_lines_same_as_asyncio(loop, line, chunk, limit):
    """Lines around the limit, in big chunks (the first test's are small)."""
    payload = b"x" * line + b"\n" + b"tail"
    pieces = [payload[i : i + chunk] for i in range(0, len(payload), chunk)]
    ops = [("readline",), ("readline",)]

    _same_as_asyncio(loop, limit, pieces, ops, True)
