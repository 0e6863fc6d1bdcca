"""The two stable sorts of timers by due time (``_duesort``): each is tested
here on whichever interpreter runs the tests, whichever one that
interpreter's timer queue uses."""

import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loop_core import _duesort, _timers

pytestmark = pytest.mark.ours_only

SORTS = [_duesort.key_sort, _duesort.distribute]
INF = float("inf")


class Timer:
    __slots__ = ("_when", "made")

    def __init__(self, when: float, made: int) -> None:
        self._when = when
        self.made = made


def timers_at(whens):
    return [Timer(when, made) for made, when in enumerate(whens)]


def check_sorted(sort, whens):
    timers = timers_at(whens)
    expected = sorted(timers, key=lambda t: t._when)  # sorted() is stable
    result = sort(list(timers))
    assert [(t._when, t.made) for t in result] == [(t._when, t.made) for t in expected]


# Due times as the queue sees them: never NaN (it files those apart), but
# infinities, ties, and spans from a nanosecond to the whole float range.
whens = st.one_of(
    st.floats(allow_nan=False),
    st.sampled_from([0.0, 1.0, 1.0 + 1e-12, 2.0, -INF, INF]),
    st.floats(1000.0, 1000.005),
)


@pytest.mark.parametrize("sort", SORTS, ids=lambda f: f.__name__)
@settings(max_examples=300, deadline=None)
@given(st.lists(whens, max_size=300))
def test_sorts_by_due_time_keeping_ties_in_order(sort, whens):
    check_sorted(sort, whens)


@pytest.mark.parametrize("sort", SORTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "shape",
    ["random", "ordered", "reversed", "equal", "outliers", "bunched", "few_values"],
)
def test_sorts_large_batches_of_every_shape(sort, shape):
    # Past the small-list cut-off, so the buckets and their rounds of
    # redistribution are what is tested.
    rng = random.Random(shape)
    n = 5000
    spread = [1000.0 + rng.random() * 0.005 for _ in range(n)]
    whens = {
        "random": spread,
        "ordered": sorted(spread),
        "reversed": sorted(spread, reverse=True),
        "equal": [1000.0] * n,
        "outliers": spread[:-3] + [INF, -INF, 1e300],
        # Most due times within a microsecond of each other, a few far off:
        # the first round puts nearly all of them in one bucket.
        "bunched": [1000.0 + rng.random() * 1e-6 for _ in range(n - 2)] + [0.0, 5e3],
        "few_values": [rng.choice([1.0, 2.0, 3.0]) for _ in range(n)],
    }[shape]
    check_sorted(sort, whens)


def test_an_ordered_list_is_returned_as_it_is():
    timers = timers_at([float(i) for i in range(100)])
    for sort in SORTS:
        assert sort(timers) is timers


def test_each_interpreter_uses_the_sort_measured_fastest_on_it():
    pypy = sys.implementation.name == "pypy"
    expected = _duesort.distribute if pypy else _duesort.key_sort
    assert _duesort.sort_by_due is expected
    assert _timers.sort_by_due is expected
