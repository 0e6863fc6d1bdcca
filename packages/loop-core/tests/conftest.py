"""Fixtures shared by the core's tests."""

import socket

import pytest


def _nonblocking_pair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


@pytest.fixture
def pair(loop_factory):
    """A connected non-blocking socketpair, closed after the test (made
    after loop_factory, so the fd check sees it closed)."""
    a, b = _nonblocking_pair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def pair2(loop_factory):
    """A second, independent socketpair."""
    a, b = _nonblocking_pair()
    yield a, b
    a.close()
    b.close()
