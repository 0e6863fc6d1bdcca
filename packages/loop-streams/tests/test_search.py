"""The two separator searches of the reader's buffer (``_search``): each
is tested here on whichever interpreter runs the tests, whichever one that
interpreter's readers use."""

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loop_streams import _reader, _search

pytestmark = [pytest.mark.timeout(60), pytest.mark.ours_only]

FINDS = [_search.find_in_place, _search.find_in_copy]
ALPHABET = b"ab\r\nx"
WINDOW = _search._FIRST_WINDOW


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


def test_each_interpreter_uses_the_search_measured_fastest_on_it():
    pypy = sys.implementation.name == "pypy"
    expected = _search.find_in_copy if pypy else _search.find_in_place
    assert _search.find is expected
    assert _reader.find is expected
