"""create_connection and connect_accepted_socket (plain TCP)."""

import asyncio
import gc
import socket
import ssl
import sys

import pytest
from loop_core.testing import gc_collect

pytestmark = pytest.mark.timeout(30)


def _closed_port():
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _echo_server(loop, protocols):
    server = await loop.create_server(protocols.Echo, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _round_trip(transport, client, payload=b"ping"):
    transport.write(payload)
    assert await client.wait_for(len(payload)) == payload
    transport.close()
    await client.lost


async def _close(server):
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0.01)


def test_create_connection_echo(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", port
        )
        assert client.made.done()
        assert client.transport is transport
        assert transport.get_protocol() is client
        await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_port_as_string_and_family(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", str(port), family=socket.AF_INET
        )
        await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_connection_refused(loop, run, protocols):
    async def main():
        with pytest.raises(OSError) as info:
            await loop.create_connection(protocols.Collect, "127.0.0.1", _closed_port())
        assert isinstance(info.value, ConnectionRefusedError) or info.value.errno

    run(main())


def _fake_resolver(loop, ports):
    async def getaddrinfo(host, port, *, family=0, type=0, proto=0, flags=0):
        return [
            (
                socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                ("127.0.0.1", p),
            )
            for p in ports
        ]

    loop.getaddrinfo = getaddrinfo


def test_all_addresses_fail_combined_error(loop, run, protocols):
    ports = [_closed_port(), _closed_port()]
    while ports[0] == ports[1]:
        ports[1] = _closed_port()
    _fake_resolver(loop, ports)

    async def main():
        with pytest.raises(OSError) as info:
            await loop.create_connection(protocols.Collect, "example.invalid", 80)
        assert str(info.value).startswith("Multiple exceptions: ")
        assert str(ports[0]) in str(info.value) and str(ports[1]) in str(info.value)

    run(main())


def test_all_errors_gives_exception_group(loop, run, protocols, loop_factory):
    if sys.version_info < (3, 12) and type(loop).__module__.startswith("asyncio"):
        pytest.skip("asyncio's all_errors is new in 3.12")
    _fake_resolver(loop, [_closed_port(), _closed_port()])

    async def main():
        with pytest.raises(ExceptionGroup) as info:
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, all_errors=True
            )
        assert len(info.value.exceptions) == 2
        assert all(isinstance(e, OSError) for e in info.value.exceptions)

    run(main())


def test_second_address_succeeds(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        _fake_resolver(loop, [_closed_port(), port])
        transport, client = await loop.create_connection(
            protocols.Collect, "example.invalid", 80
        )
        assert transport.get_extra_info("peername")[1] == port
        await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_happy_eyeballs_args_accepted(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        transport, client = await loop.create_connection(
            protocols.Collect,
            "127.0.0.1",
            port,
            happy_eyeballs_delay=0.25,
            interleave=1,
        )
        await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_local_addr(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", port, local_addr=("127.0.0.1", 0)
        )
        assert transport.get_extra_info("sockname")[0] == "127.0.0.1"
        await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_sock_argument(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        sock = socket.socket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        transport, client = await loop.create_connection(protocols.Collect, sock=sock)
        assert transport.get_extra_info("socket").fileno() == sock.fileno()
        await _round_trip(transport, client)
        assert sock.fileno() == -1
        await _close(server)

    run(main())


def test_value_errors(loop, run, protocols):
    async def main():
        with pytest.raises(ValueError):
            await loop.create_connection(
                protocols.Collect, "127.0.0.1", 1, server_hostname="example.com"
            )
        with pytest.raises(ValueError):
            await loop.create_connection(
                protocols.Collect, "127.0.0.1", 1, ssl_handshake_timeout=1.0
            )
        with pytest.raises(ValueError):
            await loop.create_connection(protocols.Collect)
        with socket.socket() as sock:
            with pytest.raises(ValueError):
                await loop.create_connection(
                    protocols.Collect, "127.0.0.1", 1, sock=sock
                )
        with socket.socket(type=socket.SOCK_DGRAM) as sock:
            with pytest.raises(ValueError):
                await loop.create_connection(protocols.Collect, sock=sock)
        with socket.socket() as sock:
            with pytest.raises(ValueError, match="server_hostname"):
                await loop.create_connection(
                    protocols.Collect, sock=sock, ssl=ssl.create_default_context()
                )

    run(main())


# asyncio leaves the connected socket to the garbage collector here
# (ResourceWarning); we close it.
@pytest.mark.ours_only
def test_protocol_factory_error_propagates(loop, run, protocols):
    def broken():
        raise ZeroDivisionError

    async def main():
        server, port = await _echo_server(loop, protocols)
        with pytest.raises(ZeroDivisionError):
            await loop.create_connection(broken, "127.0.0.1", port)
        await _close(server)

    run(main())


@pytest.mark.parametrize("how", ["create_connection", "connect_accepted_socket"])
def test_passed_socket_when_the_protocol_factory_fails(loop, run, protocols, how):
    """3.14 closes a socket it was handed when no transport could be made
    for it (gh-153133); before, the socket stays open, the caller's."""

    def broken():
        raise ZeroDivisionError

    async def main():
        server, port = await _echo_server(loop, protocols)
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            with pytest.raises(ZeroDivisionError):
                if how == "create_connection":
                    await loop.create_connection(broken, sock=sock)
                else:
                    await loop.connect_accepted_socket(broken, sock)
            return sock.fileno() == -1
        finally:
            sock.close()
            await _close(server)

    assert run(main()) == (sys.version_info >= (3, 14))


def test_cancelled_while_connecting_leaks_nothing(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        for delay in (0, 1, 2, 3):
            task = loop.create_task(
                loop.create_connection(protocols.Collect, "127.0.0.1", port)
            )
            for _ in range(delay):
                await asyncio.sleep(0)
            task.cancel()
            try:
                transport, client = await task
            except asyncio.CancelledError:
                pass
            else:
                transport.close()
                await client.lost
        await _close(server)

    run(main())


@pytest.mark.ours_only
def test_cancel_during_sock_connect_closes_socket(loop, run, protocols):
    started = []

    async def hang(sock, address):
        started.append(sock)
        await asyncio.sleep(3600)

    loop.sock_connect = hang

    async def main():
        task = loop.create_task(
            loop.create_connection(protocols.Collect, "127.0.0.1", 9)
        )
        while not started:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert started[0].fileno() == -1

    run(main())


def test_connect_accepted_socket(loop, run, protocols):
    async def main():
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            listener.setblocking(False)
            client_sock = socket.socket()
            client_sock.setblocking(False)
            accept = loop.create_task(loop.sock_accept(listener))
            await loop.sock_connect(client_sock, listener.getsockname())
            accepted, _ = await accept
        server_t, server_p = await loop.connect_accepted_socket(
            protocols.Echo, accepted
        )
        assert server_p.transport is server_t
        assert server_t.get_extra_info("peername") == client_sock.getsockname()
        transport, client = await loop.create_connection(
            protocols.Collect, sock=client_sock
        )
        await _round_trip(transport, client, b"accepted")
        server_t.close()
        await asyncio.sleep(0.01)
        with socket.socket(type=socket.SOCK_DGRAM) as udp:
            with pytest.raises(ValueError):
                await loop.connect_accepted_socket(protocols.Echo, udp)
        with socket.socket() as sock:
            with pytest.raises(ValueError):
                await loop.connect_accepted_socket(
                    protocols.Echo, sock, ssl_handshake_timeout=1.0
                )

    run(main())


# -- bad input and failure paths as asyncio has them (issue 13) ---------------


@pytest.mark.parametrize("port", [70000, -1, "70000"])
def test_out_of_range_port_with_ip_literal(loop, run, protocols, port):
    # asyncio keeps an IP literal's port as given: connect() refuses it.
    # getaddrinfo would wrap 70000 to 4464 and dial that.
    async def main():
        with pytest.raises(OverflowError):
            await loop.create_connection(protocols.Collect, "127.0.0.1", port)
        with pytest.raises(OverflowError):
            await loop.create_connection(
                protocols.Collect, "127.0.0.1", 1, local_addr=("127.0.0.1", port)
            )

    run(main())


def _has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no ::1")
def test_ipv6_local_addr_four_tuple(loop, run, protocols):
    async def main():
        server = await loop.create_server(protocols.Echo, "::1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, client = await loop.create_connection(
            protocols.Collect, "::1", port, local_addr=("::1", 0, 0, 0)
        )
        assert transport.get_extra_info("sockname")[0] == "::1"
        await _round_trip(transport, client)
        await _close(server)

    run(main())


# asyncio's staggered race leaves an Event.wait() coroutine unawaited here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_happy_eyeballs_delay_must_be_a_number(loop, run, protocols):
    # From 3.14, asyncio's staggered race wraps it in an ExceptionGroup.
    expected = ExceptionGroup if sys.version_info >= (3, 14) else TypeError

    async def main():
        with pytest.raises(expected) as info:
            await loop.create_connection(
                protocols.Collect, "127.0.0.1", _closed_port(), happy_eyeballs_delay="x"
            )
        if expected is ExceptionGroup:
            assert [type(e) for e in info.value.exceptions] == [TypeError]

    try:
        run(main())
    finally:
        gc_collect()


def test_happy_eyeballs_delay_nan_or_negative(loop, run, protocols):
    async def main():
        server, port = await _echo_server(loop, protocols)
        # NaN and negative delays are numbers: no wait between attempts.
        for delay in (float("nan"), -1):
            transport, client = await loop.create_connection(
                protocols.Collect, "127.0.0.1", port, happy_eyeballs_delay=delay
            )
            await _round_trip(transport, client)
        await _close(server)

    run(main())


def test_sock_not_a_socket_with_host_and_port(loop, run, protocols):
    async def main():
        with pytest.raises(ValueError):
            await loop.create_connection(
                protocols.Collect, "127.0.0.1", 1, sock=object()
            )

    run(main())


def test_getaddrinfo_returning_none(loop, run, protocols):
    async def getaddrinfo(*args, **kwargs):
        return None

    loop.getaddrinfo = getaddrinfo

    async def main():
        with pytest.raises(OSError):
            await loop.create_connection(protocols.Collect, "example.invalid", 80)
        with pytest.raises(OSError):
            await loop.create_server(protocols.Echo, "example.invalid", 80)

    run(main())


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="gc.get_referrers is CPython's"
)
@pytest.mark.parametrize("how", ["one", "several", "staggered", "all_errors"])
def test_failed_connection_leaves_no_cycle(loop, run, protocols, how):
    # As CPython's own test_open_connection_happy_eyeball_refcycles: once
    # caught, the error is referred to by the catching coroutine alone, not
    # by a list of errors kept alive through a traceback frame.
    if type(loop).__module__.startswith("asyncio"):
        if how == "all_errors" and sys.version_info < (3, 12):
            pytest.skip("asyncio's all_errors is new in 3.12")
        if how == "one":
            pytest.skip("asyncio's sock_connect future keeps the error in a cycle")
    ports = [_closed_port()] if how == "one" else [_closed_port(), _closed_port()]
    _fake_resolver(loop, ports)
    kwargs = {
        "staggered": {"happy_eyeballs_delay": 0.05},
        "all_errors": {"all_errors": True},
    }.get(how, {})

    async def main():
        exc = None
        try:
            await loop.create_connection(
                protocols.Collect, "example.invalid", 80, **kwargs
            )
        except (OSError, ExceptionGroup) as caught:
            exc = caught
        assert exc is not None
        # Ourselves aside (listed or not, depending on the Python).
        return [
            r
            for r in gc.get_referrers(exc)
            if r is not coro and getattr(r, "f_code", None) is not main.__code__
        ]

    coro = main()
    assert run(coro) == []
