"""The pollers below the loop: what the kernel is told when fds are closed
and their numbers reused (see the essays in loop_core._poller)."""

import select
import socket

import pytest
from loop_core._poller import POLLIN, make_poller

pytestmark = pytest.mark.skipif(not hasattr(select, "epoll"), reason="epoll only")


@pytest.fixture
def poller():
    p = make_poller("epoll")
    yield p
    p.close()


def test_unregister_after_close_with_a_dup_open(poller):
    # The dup keeps the file, and so the kernel's registration, alive; the
    # poller must not go on reporting it (a busy loop, or wake-ups for the
    # next socket to get the number).
    a, b = socket.socketpair()
    fd = a.fileno()
    with b, a.dup() as dup:
        poller.set(fd, POLLIN)
        b.send(b"x")
        assert poller.poll(0, 4) == [(fd, POLLIN)]
        a.close()
        poller.set(fd, 0)
        assert poller.masks == {}
        assert poller.poll(0, 4) == []
        assert dup.recv(1) == b"x"


def test_unregister_after_close(poller):
    a, b = socket.socketpair()
    with b:
        poller.set(a.fileno(), POLLIN)
        fd = a.fileno()
        a.close()
        poller.set(fd, 0)
        assert poller.masks == {}
        assert poller.poll(0, 4) == []


@pytest.mark.parametrize("kind", ["epoll", "selectors"])
def test_renew_registers_a_reused_number(kind):
    poller = make_poller(kind)
    try:
        a, b = socket.socketpair()
        fd = a.fileno()
        poller.set(fd, POLLIN)
        a.close()
        b.close()
        c, d = socket.socketpair()
        with c, d:
            reused = c if c.fileno() == fd else d
            peer = d if reused is c else c
            assert reused.fileno() == fd
            poller.renew(fd, POLLIN)
            peer.send(b"x")
            assert poller.poll(1, 4) == [(fd, POLLIN)]
            poller.set(fd, 0)
            assert poller.masks == {}
    finally:
        poller.close()
