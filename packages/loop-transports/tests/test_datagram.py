"""create_datagram_endpoint and DatagramTransport (UDP, AF_UNIX datagrams)."""

import asyncio
import os
import socket
import sys

import loop_core
import pytest
from loop_core.testing import gc_collect
from loop_transports import datagram
from loop_transports._datagram_transport import DatagramTransport

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(autouse=True)
def _provider():
    """Until the entry point is declared, register the provider by hand."""
    loop_core.extensions.register(
        "create_datagram_endpoint", datagram.create_datagram_endpoint
    )
    yield
    loop_core.extensions.unregister("create_datagram_endpoint")


def _is_asyncio(loop):
    return type(loop).__module__.startswith("asyncio")


def _fileno(sock):
    return sock.fileno()  # asyncio wraps it in a TransportSocket


class Datagrams(asyncio.DatagramProtocol):
    """Collects datagrams and errors; futures for made / lost; can echo."""

    def __init__(self, echo=False):
        loop = asyncio.get_running_loop()
        self.echo = echo
        self.made = loop.create_future()
        self.lost = loop.create_future()
        self.received = []
        self.errors = []
        self.events = []
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.made.set_result(None)

    def datagram_received(self, data, addr):
        self.received.append((data, addr))
        if self.echo:
            self.transport.sendto(data, addr)

    def error_received(self, exc):
        self.errors.append(exc)

    def pause_writing(self):
        self.events.append("pause")

    def resume_writing(self):
        self.events.append("resume")

    def connection_lost(self, exc):
        self.lost.set_result(exc)

    async def wait_for(self, count):
        while len(self.received) < count:
            await asyncio.sleep(0.001)
        return [data for data, _ in self.received]

    async def wait_error(self):
        while not self.errors:
            await asyncio.sleep(0.001)
        return self.errors[0]


async def _echo_server(loop, host="127.0.0.1", **kwargs):
    return await loop.create_datagram_endpoint(
        lambda: Datagrams(echo=True), local_addr=(host, 0), **kwargs
    )


async def _close(*transports):
    protocols = [transport.get_protocol() for transport in transports]
    for transport in transports:
        transport.close()
    for protocol in protocols:
        await protocol.lost


def _free_udp_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def test_echo_connected_client(loop, run):
    async def main():
        server, srv = await _echo_server(loop)
        address = server.get_extra_info("sockname")
        assert address[0] == "127.0.0.1"
        assert server.get_extra_info("peername") is None
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=address
        )
        assert client.made.done()
        assert transport.get_extra_info("peername") == address
        assert _fileno(transport.get_extra_info("socket")) >= 0
        assert transport.get_extra_info("sockname")[0] == "127.0.0.1"
        assert transport.get_protocol() is client
        transport.sendto(b"one")
        transport.sendto(bytearray(b"two"), address)
        transport.sendto(memoryview(b"three"))
        assert await client.wait_for(3) == [b"one", b"two", b"three"]
        assert all(addr == address for _, addr in client.received)
        client_address = transport.get_extra_info("sockname")
        assert [addr for _, addr in srv.received] == [client_address] * 3
        assert transport.get_write_buffer_size() == 0
        assert not transport.is_closing()
        await _close(transport, server)
        assert transport.is_closing()
        assert await client.lost is None
        assert client.errors == srv.errors == []

    run(main())


def test_unconnected_endpoints(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0)
        )
        assert transport.get_extra_info("peername") is None
        address = server.get_extra_info("sockname")
        for i in range(5):
            transport.sendto(b"x%d" % i, address)
        assert sorted(await client.wait_for(5)) == [b"x%d" % i for i in range(5)]
        await _close(transport, server)

    run(main())


def test_ipv6(loop, run):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no ::1")

    async def main():
        server, _ = await _echo_server(loop, "::1")
        port = server.get_extra_info("sockname")[1]
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=("::1", port)
        )
        assert transport.get_extra_info("socket").family == socket.AF_INET6
        transport.sendto(b"six")
        assert await client.wait_for(1) == [b"six"]
        await _close(transport, server)

    run(main())


def test_connected_sendto_other_address(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        address = server.get_extra_info("sockname")
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=address
        )
        with pytest.raises(ValueError, match="Invalid address: must be None or"):
            transport.sendto(b"x", ("127.0.0.1", address[1] + 1))
        with pytest.raises(TypeError, match="bytes-like object, not 'str'"):
            transport.sendto("text")
        transport.sendto(b"ok", address)
        assert await client.wait_for(1) == [b"ok"]
        await _close(transport, server)

    run(main())


def test_empty_datagram(loop, run):
    async def main():
        server, srv = await _echo_server(loop)
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=server.get_extra_info("sockname")
        )
        transport.sendto(b"")
        transport.sendto(b"after")
        # asyncio sends empty datagrams from 3.13 on; before, it dropped them.
        if _is_asyncio(loop) and sys.version_info < (3, 13):
            assert await client.wait_for(1) == [b"after"]
        else:
            assert await client.wait_for(2) == [b"", b"after"]
        await _close(transport, server)

    run(main())


def test_error_received_on_port_unreachable(loop, run):
    async def main():
        port = _free_udp_port()
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=("127.0.0.1", port)
        )
        transport.sendto(b"anyone?")
        exc = await client.wait_error()
        assert isinstance(exc, ConnectionRefusedError)
        # The endpoint stays usable.
        assert not transport.is_closing()
        await _close(transport)
        assert await client.lost is None

    run(main())


def test_sock_argument(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        transport, client = await loop.create_datagram_endpoint(Datagrams, sock=sock)
        assert _fileno(transport.get_extra_info("socket")) == sock.fileno()
        assert sock.gettimeout() == 0
        assert transport.get_extra_info("sockname") == sock.getsockname()
        transport.sendto(b"via sock", server.get_extra_info("sockname"))
        assert await client.wait_for(1) == [b"via sock"]
        await _close(transport, server)
        assert sock.fileno() == -1

    run(main())


def test_bad_arguments(loop, run):
    async def main():
        create = loop.create_datagram_endpoint
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stream:
            # The wording changed in 3.13, and in some later 3.11/3.12
            # releases (PyPy 3.11.17's asyncio has the new one).
            expected = (
                "A datagram socket"
                if sys.version_info >= (3, 13)
                else "(A UDP Socket|A datagram socket)"
            )
            with pytest.raises(ValueError, match=f"{expected} was expected"):
                await create(Datagrams, sock=stream)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            with pytest.raises(
                ValueError, match=r"can not be used when sock.*local_addr"
            ):
                await create(Datagrams, local_addr=("127.0.0.1", 0), sock=sock)
            with pytest.raises(ValueError, match=r"\(family=2, reuse_port=True\)"):
                await create(
                    Datagrams, family=socket.AF_INET, reuse_port=True, sock=sock
                )
            with pytest.raises(ValueError, match=r"allow_broadcast=True"):
                await create(Datagrams, allow_broadcast=True, sock=sock)
        with pytest.raises(ValueError, match="unexpected address family"):
            await create(Datagrams)
        with pytest.raises(TypeError, match="2-tuple is expected"):
            await create(Datagrams, local_addr="127.0.0.1")
        with pytest.raises(TypeError, match="2-tuple is expected"):
            await create(Datagrams, remote_addr=("127.0.0.1", 1, 0, 0))
        with pytest.raises(TypeError, match="string is expected"):
            await create(Datagrams, local_addr=("127.0.0.1", 0), family=socket.AF_UNIX)
        # Removed in 3.11 (SO_REUSEADDR on UDP is unsafe): not a parameter.
        with pytest.raises(TypeError, match="reuse_address"):
            await create(Datagrams, local_addr=("127.0.0.1", 0), reuse_address=True)
        with pytest.raises(ValueError, match="can not get address information"):
            await create(Datagrams, local_addr=("127.0.0.1", 0), remote_addr=("::1", 1))
        with pytest.raises(OSError):
            # A port in use: bind fails, the socket is closed (fd check).
            used, _ = await _echo_server(loop)
            try:
                await create(Datagrams, local_addr=used.get_extra_info("sockname"))
            finally:
                await _close(used)

    run(main())


def test_family_only_unbound(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, family=socket.AF_INET
        )
        assert transport.get_extra_info("peername") is None
        transport.sendto(b"hello", server.get_extra_info("sockname"))
        assert await client.wait_for(1) == [b"hello"]
        await _close(transport, server)

    run(main())


def test_allow_broadcast_keeps_socket_unconnected(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        address = server.get_extra_info("sockname")
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=address, allow_broadcast=True
        )
        sock = transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST)
        assert transport.get_extra_info("peername") is None
        transport.sendto(b"default remote")
        assert await client.wait_for(1) == [b"default remote"]
        with pytest.raises(ValueError, match="Invalid address"):
            transport.sendto(b"x", ("127.0.0.1", 9))
        await _close(transport, server)

    run(main())


def test_reuse_port(loop, run):
    if not hasattr(socket, "SO_REUSEPORT"):
        pytest.skip("no SO_REUSEPORT")

    async def main():
        first, _ = await _echo_server(loop, reuse_port=True)
        address = first.get_extra_info("sockname")
        second, _ = await loop.create_datagram_endpoint(
            Datagrams, local_addr=address, reuse_port=True
        )
        assert second.get_extra_info("sockname") == address
        sock = second.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        await _close(first, second)

    run(main())


def test_unix_datagram_paths(loop, run, tmp_path):
    async def main():
        server_path = str(tmp_path / "server.sock")
        client_path = str(tmp_path / "client.sock")
        server, srv = await loop.create_datagram_endpoint(
            lambda: Datagrams(echo=True), local_addr=server_path, family=socket.AF_UNIX
        )
        transport, client = await loop.create_datagram_endpoint(
            Datagrams,
            local_addr=client_path,
            remote_addr=server_path,
            family=socket.AF_UNIX,
        )
        assert transport.get_extra_info("peername") == server_path
        transport.sendto(b"unix")
        assert await client.wait_for(1) == [b"unix"]
        assert srv.received == [(b"unix", client_path)]
        await _close(transport, server)
        # A stale socket file left at the path is replaced on bind.
        assert os.path.exists(server_path)
        again, _ = await loop.create_datagram_endpoint(
            Datagrams, local_addr=server_path, family=socket.AF_UNIX
        )
        await _close(again)

    run(main())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_unix_abstract_names(loop, run):
    async def main():
        name = f"\x00loop-transports-test-{os.getpid()}-{id(loop)}"
        server, _ = await loop.create_datagram_endpoint(
            lambda: Datagrams(echo=True), local_addr=name, family=socket.AF_UNIX
        )
        transport, client = await loop.create_datagram_endpoint(
            Datagrams,
            local_addr=name + "-client",
            remote_addr=name,
            family=socket.AF_UNIX,
        )
        transport.sendto(b"abstract")
        assert await client.wait_for(1) == [b"abstract"]
        await _close(transport, server)

    run(main())


def test_cancelled_creation_leaks_nothing(loop, run):
    async def main():
        server, _ = await _echo_server(loop)
        address = server.get_extra_info("sockname")
        for steps in range(6):
            task = loop.create_task(
                loop.create_datagram_endpoint(Datagrams, remote_addr=address)
            )
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            try:
                transport, protocol = await task
            except asyncio.CancelledError:
                continue
            await _close(transport)
        for _ in range(5):
            await asyncio.sleep(0)
        await _close(server)

    run(main())


def test_close_and_abort(loop, run):
    async def main():
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0)
        )
        transport.abort()
        assert transport.is_closing()
        assert await client.lost is None
        transport.close()  # idempotent
        other, proto = await loop.create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0)
        )
        other.close()
        other.close()
        assert await proto.lost is None

    run(main())


class _Jammed:
    """A socket stand-in whose sends fail with EAGAIN while ``jammed``."""

    def __init__(self, sock):
        self.sock = sock
        self.jammed = True

    def __getattr__(self, name):
        return getattr(self.sock, name)

    def send(self, data):
        if self.jammed:
            raise BlockingIOError
        return self.sock.send(data)

    def sendto(self, data, addr):
        if self.jammed:
            raise BlockingIOError
        return self.sock.sendto(data, addr)


@pytest.mark.ours_only
def test_flow_control_and_close_flushes(loop, run):
    async def main():
        server, srv = await _echo_server(loop)
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=server.get_extra_info("sockname")
        )
        jam = _Jammed(transport._sock)
        transport._sock = jam
        transport.set_write_buffer_limits(high=100, low=20)
        assert transport.get_write_buffer_limits() == (20, 100)
        for i in range(4):
            transport.sendto(bytes(40))
        assert transport.get_write_buffer_size() == 4 * 48
        assert client.events == ["pause"]
        jam.jammed = False
        while transport.get_write_buffer_size():
            await asyncio.sleep(0.001)
        assert client.events == ["pause", "resume"]
        assert len(await srv.wait_for(4)) == 4
        jam.jammed = True
        transport.sendto(b"last")
        transport.close()
        await asyncio.sleep(0.01)
        assert not client.lost.done()
        jam.jammed = False
        assert await client.lost is None
        assert (await srv.wait_for(5))[-1] == b"last"
        transport._sock = None
        jam.sock.close()
        await _close(server)

    run(main())


@pytest.mark.ours_only
def test_abort_drops_queue_and_send_error(loop, run):
    async def main():
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0)
        )
        jam = _Jammed(transport._sock)
        transport._sock = jam
        transport.sendto(b"queued", ("127.0.0.1", 9))
        assert transport.get_write_buffer_size() > 0
        transport.abort()
        assert transport.get_write_buffer_size() == 0
        assert await client.lost is None
        jam.sock.close()
        # An OSError from a send goes to error_received.
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, local_addr=("127.0.0.1", 0)
        )
        transport.sendto(b"x", ("127.0.0.1", 0))
        assert isinstance(await client.wait_error(), OSError)
        await _close(transport)
        # sendto() after close drops the datagram (and warns once).
        with pytest.warns(RuntimeWarning, match="dropped"):
            for _ in range(6):
                transport.sendto(b"late", ("127.0.0.1", 9))

    run(main())


@pytest.mark.ours_only
def test_protocol_factory_failure_closes_socket(loop, run):
    def broken():
        raise RuntimeError("factory")

    async def main():
        with pytest.raises(RuntimeError, match="factory"):
            await loop.create_datagram_endpoint(broken, local_addr=("127.0.0.1", 0))

    run(main())


@pytest.mark.ours_only
def test_unclosed_transport_warns(loop, run):
    async def main():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        # A protocol that keeps no reference back: no cycle, so the
        # transport (not the socket) is finalized first.
        transport = DatagramTransport(loop, sock, asyncio.DatagramProtocol())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        loop.remove_reader(sock.fileno())
        return transport

    transport = run(main())
    with pytest.warns(ResourceWarning, match="unclosed transport"):
        del transport
        gc_collect()


def test_datagram_transport_is_also_a_transport(loop):
    """asyncio's datagram transport is an asyncio.Transport too; code that
    checks for it must accept ours."""

    async def main():
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        try:
            return isinstance(transport, asyncio.Transport)
        finally:
            transport.close()

    assert loop.run_until_complete(main()) is True


def test_large_datagrams_arrive_whole_as_bytes(loop, run):
    """The largest UDP datagram, and a Unix one bigger than any UDP one,
    each arrive whole, as bytes that later datagrams leave untouched."""

    async def main():
        server, srv = await _echo_server(loop)
        address = server.get_extra_info("sockname")
        transport, client = await loop.create_datagram_endpoint(
            Datagrams, remote_addr=address
        )
        big = bytes(range(256)) * 255 + b"x" * 227  # 65,507 bytes
        transport.sendto(big)
        transport.sendto(b"small")
        assert await client.wait_for(2) == [big, b"small"]
        assert all(type(data) is bytes for data, _ in client.received)
        await _close(transport, server)

        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        with b:
            transport, proto = await loop.create_datagram_endpoint(Datagrams, sock=a)
            huge = b"y" * 150_000
            b.send(huge)
            b.send(b"z")
            assert await proto.wait_for(2) == [huge, b"z"]
            await _close(transport)

    run(main())


@pytest.mark.parametrize("port", [70000, -1])
@pytest.mark.parametrize("which", ["local_addr", "remote_addr"])
def test_out_of_range_port_with_ip_literal(loop, which, port):
    async def main():
        with pytest.raises(OverflowError):
            await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, **{which: ("127.0.0.1", port)}
            )

    loop.run_until_complete(asyncio.wait_for(main(), 10))
