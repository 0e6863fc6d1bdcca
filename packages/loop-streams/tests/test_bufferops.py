"""The reader buffer's operations with a variant per interpreter
(``_bufferops``): each variant is tested here on whichever interpreter runs
the tests, whichever one that interpreter's readers use."""

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loop_streams import _bufferops, _reader

pytestmark = [pytest.mark.timeout(60), pytest.mark.ours_only]

FINDS = [_bufferops.find_in_place, _bufferops.find_in_copy]
ALPHABET = b"ab\r\nx"
WINDOW = _bufferops._FIRST_WINDOW


def text(raw):
    return bytes(ALPHABET[b % len(ALPHABET)] for b in raw)


@pytest.mark.parametrize("find", FINDS, ids=lambda f: f.__name__)
@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200).map(text),
    st.sampled_from([b"\n", b"ab", b"\r\n", b"aaa", b"b\nb", bytearray(b"x")]),
    st.integers(0, 210),
)
def test_finds_what_bytes_find_finds(find, data, separator, offset):
    buffer = bytearray(data)
    assert find(buffer, separator, offset) == data.find(separator, offset)


@pytest.mark.parametrize("find", FINDS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("separator", [b"\n", b"\r\n", b"b\nb"])
@pytest.mark.parametrize(
    "where",
    # Across and beside the edges of the doubling windows, and far in.
    [0, WINDOW - 2, WINDOW - 1, WINDOW, 3 * WINDOW - 1, 7 * WINDOW - 2, 200_000],
)
@pytest.mark.parametrize("offset", [0, 5, WINDOW + 3])
def test_finds_separators_at_window_edges(find, separator, where, offset):
    buffer = bytearray(b"x" * where + separator + b"x" * 5000 + separator)
    expected = bytes(buffer).find(separator, offset)
    assert find(buffer, separator, offset) == expected


@pytest.mark.parametrize("find", FINDS, ids=lambda f: f.__name__)
def test_a_short_line_is_found_before_a_long_buffer_and_nothing_stays_exported(find):
    buffer = bytearray(b"ab\n" + b"x" * 300_000)
    assert find(buffer, b"\n", 0) == 2
    assert find(buffer, b"\n", 3) == -1
    # No view of the buffer left behind (on PyPy one would live until the
    # GC runs): the reader must still be able to resize it.
    del buffer[:3]
    buffer.extend(b"\n")
    assert find(buffer, b"\n", 0) == 300_000


@pytest.mark.parametrize(
    "view_from", [0, 16 * 1024, 10**9], ids=["view", "cpython", "slice"]
)
@pytest.mark.parametrize("size", [0, 1, 100, 16 * 1024 - 1, 16 * 1024, 65536, 70000])
def test_prefix_copies_the_first_bytes_and_leaves_the_buffer_resizable(
    view_from, size, monkeypatch
):
    monkeypatch.setattr(_bufferops, "PREFIX_VIEW_FROM", view_from)
    buffer = bytearray(bytes(range(256)) * 300)
    data = _bufferops.prefix(buffer, size)
    assert type(data) is bytes
    assert data == bytes(buffer)[:size]
    del buffer[:size]  # no export of the buffer left behind
    assert len(buffer) == 256 * 300 - size


def test_each_interpreter_uses_the_variants_measured_fastest_on_it():
    pypy = sys.implementation.name == "pypy"
    expected = _bufferops.find_in_copy if pypy else _bufferops.find_in_place
    assert _bufferops.find is expected
    assert _reader.find is expected
    assert _bufferops.PREFIX_VIEW_FROM == (0 if pypy else 16 * 1024)
