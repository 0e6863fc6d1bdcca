"""Happy eyeballs (RFC 8305) in create_connection: staggered attempts.

The resolver is patched to hand out several loopback addresses, and
``loop.sock_connect`` (which both loops' create_connection call for each
attempt) is wrapped to record the attempts and to hold some of them back,
which stands in for a slow network without leaving this machine.
"""

import asyncio
import gc
import socket
import sys

import pytest

pytestmark = pytest.mark.timeout(30)

V4 = socket.AF_INET
V6 = socket.AF_INET6


def _has_ipv6_loopback():
    try:
        with socket.socket(V6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _closed_port(family=V4):
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(family) as s:
        s.bind(("::1" if family == V6 else "127.0.0.1", 0))
        return s.getsockname()[1]


def _info(family, port):
    host = "::1" if family == V6 else "127.0.0.1"
    address = (host, port, 0, 0) if family == V6 else (host, port)
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)


class Attempts:
    """Patches the loop: a fixed resolver, and a recording sock_connect that
    holds back the ports (or (host, port) pairs) in ``hold`` until
    cancelled."""

    def __init__(self, loop, infos, hold=()):
        self.loop = loop
        self.infos = infos
        self.hold = set(hold)
        self.started = []  # (port, family, loop time, socket)
        self.cancelled = []  # ports whose attempt was cancelled
        real_connect = loop.sock_connect

        async def getaddrinfo(host, port, *, family=0, type=0, proto=0, flags=0):
            return list(self.infos)

        async def sock_connect(sock, address):
            self.started.append((address[1], sock.family, loop.time(), sock))
            try:
                if address[1] in self.hold or tuple(address[:2]) in self.hold:
                    await asyncio.sleep(3600)
                return await real_connect(sock, address)
            except asyncio.CancelledError:
                self.cancelled.append(address[1])
                raise

        loop.getaddrinfo = getaddrinfo
        loop.sock_connect = sock_connect

    @property
    def ports(self):
        return [port for port, *_ in self.started]

    async def all_closed(self, keep=None):
        """Wait until every attempt's socket but the transport ``keep``'s is
        closed."""
        keep_fd = None if keep is None else keep.get_extra_info("socket").fileno()
        for *_, sock in self.started:
            if sock.fileno() != keep_fd:
                while sock.fileno() != -1:
                    await asyncio.sleep(0)


async def _server(loop, protocols, host="127.0.0.1"):
    server = await loop.create_server(protocols.Echo, host, 0)
    return server, server.sockets[0].getsockname()[1]


async def _finish(transport, client, server):
    transport.write(b"ping")
    assert await client.wait_for(4) == b"ping"
    transport.close()
    await client.lost
    server.close()
    await server.wait_closed()


def test_slow_first_attempt_loses_to_the_next(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        slow = _closed_port()
        attempts = Attempts(loop, [_info(V4, slow), _info(V4, port)], hold=[slow])
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.05
        )
        assert transport.get_extra_info("peername")[1] == port
        assert attempts.ports == [slow, port]
        # The second attempt waited out the delay, not longer than needed.
        assert attempts.started[1][2] - attempts.started[0][2] >= 0.05 - 0.01
        await attempts.all_closed(keep=transport)
        assert attempts.cancelled == [slow]
        await _finish(transport, client, server)

    run(main())


def test_failure_starts_the_next_attempt_at_once(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        refused = [_closed_port(), _closed_port()]
        attempts = Attempts(loop, [_info(V4, p) for p in refused] + [_info(V4, port)])
        # A delay the test's timeout could never wait out: only failures
        # move the race on.
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=3600
        )
        assert attempts.ports == refused + [port]
        assert transport.get_extra_info("peername")[1] == port
        await attempts.all_closed(keep=transport)
        await _finish(transport, client, server)

    run(main())


def test_later_attempt_wins_while_earlier_still_pending(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        slow = [_closed_port(), _closed_port()]
        attempts = Attempts(
            loop, [_info(V4, p) for p in slow] + [_info(V4, port)], hold=slow
        )
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.01
        )
        assert attempts.ports == slow + [port]
        await attempts.all_closed(keep=transport)
        assert sorted(attempts.cancelled) == sorted(slow)
        await _finish(transport, client, server)

    run(main())


def test_all_refused_multiple_exceptions_in_start_order(loop, run, protocols):
    ports = [_closed_port(), _closed_port(), _closed_port()]
    while len(set(ports)) < 3:
        ports = [_closed_port(), _closed_port(), _closed_port()]

    async def main():
        attempts = Attempts(loop, [_info(V4, p) for p in ports])
        with pytest.raises(OSError) as info:
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.01
            )
        message = str(info.value)
        assert message.startswith("Multiple exceptions: ")
        positions = [message.index(str(p)) for p in ports]
        assert positions == sorted(positions)
        await attempts.all_closed()

    run(main())


def test_single_address_refused_raises_that_error(loop, run, protocols):
    async def main():
        Attempts(loop, [_info(V4, _closed_port())])
        with pytest.raises(ConnectionRefusedError):
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.01
            )

    run(main())


def test_all_errors_exception_group(loop, run, protocols):
    if sys.version_info < (3, 12) and type(loop).__module__.startswith("asyncio"):
        pytest.skip("asyncio's all_errors is new in 3.12")

    async def main():
        Attempts(loop, [_info(V4, _closed_port()), _info(V4, _closed_port())])
        with pytest.raises(ExceptionGroup) as info:
            await loop.create_connection(
                protocols.Collect,
                "example.invalid",
                80,
                happy_eyeballs_delay=0.01,
                all_errors=True,
            )
        assert len(info.value.exceptions) == 2
        assert all(isinstance(e, ConnectionRefusedError) for e in info.value.exceptions)

    run(main())


def test_cancelled_race_closes_every_socket(loop, run, protocols):
    async def main():
        ports = [_closed_port(), _closed_port(), _closed_port()]
        attempts = Attempts(loop, [_info(V4, p) for p in ports], hold=ports)
        task = loop.create_task(
            loop.create_connection(
                protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.01
            )
        )
        while len(attempts.started) < 3:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await attempts.all_closed()
        assert sorted(attempts.cancelled) == sorted(ports)

    run(main())


def test_two_winners_loser_is_closed(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        attempts = Attempts(loop, [_info(V4, port), _info(V4, port)])
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0
        )
        await attempts.all_closed(keep=transport)
        await _finish(transport, client, server)

    run(main())


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no ::1 on this machine")
def test_families_interleaved_ipv6_first(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols, "::1")
        infos = [
            _info(V6, _closed_port(V6)),
            _info(V6, port),
            _info(V4, _closed_port()),
            _info(V4, _closed_port()),
        ]
        attempts = Attempts(loop, infos)
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=3600
        )
        # interleave defaults to 1 with a delay: v6, v4, v6, v4.
        assert [family for _, family, *_ in attempts.started] == [V6, V4, V6]
        assert transport.get_extra_info("peername")[:2] == ("::1", port)
        await attempts.all_closed(keep=transport)
        await _finish(transport, client, server)

    run(main())


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no ::1 on this machine")
def test_interleave_two_takes_two_of_the_first_family(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        infos = [
            _info(V6, _closed_port(V6)),
            _info(V6, _closed_port(V6)),
            _info(V6, _closed_port(V6)),
            _info(V4, port),
        ]
        attempts = Attempts(loop, infos)
        transport, client = await loop.create_connection(
            protocols.Collect,
            "example.invalid",
            80,
            happy_eyeballs_delay=3600,
            interleave=2,
        )
        assert [family for _, family, *_ in attempts.started] == [V6, V6, V4]
        await attempts.all_closed(keep=transport)
        await _finish(transport, client, server)

    run(main())


def test_local_addr_bind_error_counts_as_attempt_error(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            Attempts(loop, [_info(V4, port)])

            # local_addr resolves through the patched resolver too: give it
            # the taken address.
            async def getaddrinfo(host, p, *, family=0, type=0, proto=0, flags=0):
                if host == "taken":
                    return [_info(V4, taken.getsockname()[1])]
                return [_info(V4, port)]

            loop.getaddrinfo = getaddrinfo
            with pytest.raises(OSError) as info:
                await loop.create_connection(
                    protocols.Collect,
                    "example.invalid",
                    80,
                    local_addr=("taken", 0),
                    happy_eyeballs_delay=0.01,
                )
            assert "error while attempting to bind" in str(info.value)
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.ours_only
def test_non_oserror_attempt_does_not_stop_the_race(loop, run, protocols):
    async def main():
        server, port = await _server(loop, protocols)
        broken, refused = _closed_port(), _closed_port()
        attempts = Attempts(loop, [_info(V4, broken), _info(V4, port)])
        real_connect = loop.sock_connect

        async def sock_connect(sock, address):
            if address[1] == broken:
                raise ZeroDivisionError
            return await real_connect(sock, address)

        loop.sock_connect = sock_connect
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=3600
        )
        assert transport.get_extra_info("peername")[1] == port
        await _finish(transport, client, server)
        # With no winner, that error is the one raised.
        attempts.infos = [_info(V4, broken), _info(V4, refused)]
        with pytest.raises(ZeroDivisionError):
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=3600
            )

    run(main())


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no ::1 on this machine")
def test_slow_ipv6_listener_loses_to_ipv4(loop, run, protocols):
    async def main():
        server6, port6 = await _server(loop, protocols, "::1")
        server4, port4 = await _server(loop, protocols)
        attempts = Attempts(
            loop, [_info(V6, port6), _info(V4, port4)], hold=[("::1", port6)]
        )
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.02
        )
        assert transport.get_extra_info("peername")[:2] == ("127.0.0.1", port4)
        assert [family for _, family, *_ in attempts.started] == [V6, V4]
        await attempts.all_closed(keep=transport)
        assert attempts.cancelled == [port6]  # the ::1 one
        server6.close()
        await server6.wait_closed()
        await _finish(transport, client, server4)

    run(main())


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="CPython's reference counting"
)
@pytest.mark.parametrize("count", [1, 2])
def test_connection_error_is_in_no_reference_cycle(loop, run, protocols, count):
    """The error create_connection() raises is held only by the code that
    caught it: nothing the attempts left behind (error lists, finished
    tasks, the race's closures) keeps it alive until the collector runs.
    asyncio's loop leaves such cycles before 3.14. Happy eyeballs only: there
    asyncio promises it (without a delay, its sock_connect future keeps it).
    """
    if sys.version_info < (3, 14) and type(loop).__module__.startswith("asyncio"):
        pytest.skip("asyncio's loop keeps the errors in a cycle before 3.14")

    async def main():
        Attempts(loop, [_info(V4, _closed_port()) for _ in range(count)])
        caught = None
        try:
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, happy_eyeballs_delay=0.01
            )
        except OSError as exc:
            caught = exc
        assert caught is not None
        return [type(holder).__name__ for holder in gc.get_referrers(caught)]

    # what holds `caught` itself: the coroutine (3.14 reports it), or its
    # frame where the frame is an object of its own
    assert set(run(main())) <= {"coroutine", "frame"}
