"""create_server and Server (plain TCP)."""

import asyncio
import os
import resource
import socket
import sys

import pytest
from loop_core.testing import gc_collect

pytestmark = pytest.mark.timeout(30)


def _is_asyncio(loop):
    return type(loop).__module__.startswith("asyncio")


async def _connect_echo(loop, protocols, port, payload=b"hi"):
    transport, client = await loop.create_connection(
        protocols.Collect, "127.0.0.1", port
    )
    transport.write(payload)
    assert await client.wait_for(len(payload)) == payload
    transport.close()
    await client.lost


def test_server_lifecycle(loop, run, protocols):
    async def main():
        server = await loop.create_server(protocols.Echo, "127.0.0.1", 0)
        assert isinstance(server, asyncio.AbstractServer)
        assert server.get_loop() is loop
        assert server.is_serving()
        (sock,) = server.sockets
        assert sock.getsockname()[0] == "127.0.0.1"
        await _connect_echo(loop, protocols, sock.getsockname()[1])
        server.close()
        assert not server.is_serving()
        assert not server.sockets
        await server.wait_closed()
        server.close()  # idempotent
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


def test_async_with(loop, run, protocols):
    async def main():
        async with await loop.create_server(protocols.Echo, "127.0.0.1", 0) as server:
            assert server.is_serving()
            await _connect_echo(loop, protocols, server.sockets[0].getsockname()[1])
        assert not server.is_serving()
        assert not server.sockets
        await asyncio.sleep(0.01)

    run(main())


def test_start_serving_false(loop, run, protocols):
    async def main():
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, start_serving=False
        )
        assert not server.is_serving()
        await server.start_serving()
        assert server.is_serving()
        await server.start_serving()  # no-op when serving
        await _connect_echo(loop, protocols, server.sockets[0].getsockname()[1])
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


@pytest.mark.skipif(
    sys.version_info < (3, 14),
    reason="3.14: a cancelled serve_forever() closes the clients",
)
def test_cancelled_serve_forever_closes_a_silent_client(loop, run, protocols):
    async def main():
        accepted = loop.create_future()

        def server_side():
            protocol = protocols.Collect()
            accepted.set_result(protocol)
            return protocol

        server = await loop.create_server(server_side, "127.0.0.1", 0)
        task = loop.create_task(server.serve_forever())
        port = server.sockets[0].getsockname()[1]
        # a client that never sends and never hangs up
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", port
        )
        await (await accepted).made
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task  # returns once wait_closed() does: the client is closed
        assert await client.eof == b""
        transport.close()
        await client.lost

    run(main())


def test_serve_forever_cancelled(loop, run, protocols):
    async def main():
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, start_serving=False
        )
        task = loop.create_task(server.serve_forever())
        await asyncio.sleep(0.01)
        assert server.is_serving()
        await _connect_echo(loop, protocols, server.sockets[0].getsockname()[1])
        with pytest.raises(RuntimeError):
            await server.serve_forever()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not server.is_serving()
        assert not server.sockets
        with pytest.raises(RuntimeError):
            await server.serve_forever()
        await asyncio.sleep(0.01)

    run(main())


def test_host_list_and_empty_host(loop, run, protocols):
    async def main():
        server = await loop.create_server(protocols.Echo, ["127.0.0.1"], 0)
        (sock,) = server.sockets
        await _connect_echo(loop, protocols, sock.getsockname()[1])
        server.close()
        await server.wait_closed()
        server = await loop.create_server(protocols.Echo, "", 0, family=socket.AF_INET)
        assert [s.getsockname()[0] for s in server.sockets] == ["0.0.0.0"]
        await _connect_echo(loop, protocols, server.sockets[0].getsockname()[1])
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


def test_sock_argument_and_reuse(loop, run, protocols):
    async def main():
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        server = await loop.create_server(protocols.Echo, sock=listener, backlog=10)
        assert server.sockets[0].fileno() == listener.fileno()
        await _connect_echo(loop, protocols, listener.getsockname()[1])
        server.close()
        await server.wait_closed()
        assert listener.fileno() == -1
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, reuse_address=True, reuse_port=True
        )
        sock = server.sockets[0]
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


def test_value_errors_and_bind_error(loop, run, protocols):
    async def main():
        with pytest.raises(ValueError):
            await loop.create_server(protocols.Echo)
        with socket.socket() as sock:
            with pytest.raises(ValueError):
                await loop.create_server(protocols.Echo, "127.0.0.1", 0, sock=sock)
        with socket.socket(type=socket.SOCK_DGRAM) as sock:
            with pytest.raises(ValueError):
                await loop.create_server(protocols.Echo, sock=sock)
        with pytest.raises(ValueError):
            await loop.create_server(
                protocols.Echo, "127.0.0.1", 0, ssl_handshake_timeout=1.0
            )
        server = await loop.create_server(protocols.Echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(OSError):
            await loop.create_server(
                protocols.Echo, "127.0.0.1", port, reuse_address=False
            )
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


# asyncio reports this only in debug mode and leaves the accepted socket to
# the garbage collector; we close it and always report (README differences).
@pytest.mark.ours_only
def test_protocol_factory_error_reported(loop, run, protocols, loop_errors):
    def broken():
        raise ZeroDivisionError

    async def main():
        server = await loop.create_server(broken, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", port
        )
        assert await client.lost is None
        transport.close()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())
    assert loop_errors
    assert isinstance(loop_errors[0]["exception"], ZeroDivisionError)
    loop_errors.clear()


def _waits_for_clients(loop):
    return not _is_asyncio(loop) or sys.version_info >= (3, 12, 1)


def test_wait_closed_waits_for_connections(loop, run, protocols):
    if not _waits_for_clients(loop):
        pytest.skip("asyncio's wait_closed waits for connections from 3.12.1")

    async def main():
        accepted = loop.create_future()

        class Accepted(protocols.Collect):
            def connection_made(self, transport):
                super().connection_made(transport)
                accepted.set_result(None)

        server = await loop.create_server(Accepted, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", port
        )
        await accepted  # the server holds a connection now
        server.close()
        waiter = loop.create_task(server.wait_closed())
        await asyncio.sleep(0.05)
        assert not waiter.done()
        transport.close()  # server side sees EOF and closes
        await asyncio.wait_for(waiter, 5)
        await client.lost

    run(main())


def test_close_and_abort_clients(loop, run, protocols):
    async def main():
        accepted = []
        waiting = {}  # count of accepted connections -> its future

        class Accepted(protocols.Collect):
            def connection_made(self, transport):
                super().connection_made(transport)
                accepted.append(transport)
                if len(accepted) in waiting:
                    waiting[len(accepted)].set_result(None)

        server = await loop.create_server(Accepted, "127.0.0.1", 0)
        if not hasattr(server, "close_clients"):
            server.close()
            await server.wait_closed()
            pytest.skip("close_clients/abort_clients are new in 3.13")
        port = server.sockets[0].getsockname()[1]
        waiting[2] = loop.create_future()
        clients = []
        for _ in range(2):
            clients.append(
                await loop.create_connection(protocols.Collect, "127.0.0.1", port)
            )
        await waiting[2]  # close_clients must find them on the server's side
        server.close()
        server.close_clients()
        await clients[0][1].lost
        transport, client = (
            await loop.create_connection(protocols.Collect, "127.0.0.1", port)
            if False
            else clients[1]
        )
        await client.lost
        await server.wait_closed()
        accepted.clear()
        waiting[1] = loop.create_future()
        server2 = await loop.create_server(Accepted, "127.0.0.1", 0)
        transport, client = await loop.create_connection(
            protocols.Collect, "127.0.0.1", server2.sockets[0].getsockname()[1]
        )
        await waiting[1]
        server2.close()
        server2.abort_clients()
        await client.lost
        await server2.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


@pytest.mark.ours_only
def test_unclosed_server_warns(loop, run, protocols):
    async def main():
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, start_serving=False
        )
        with pytest.warns(ResourceWarning, match="unclosed <Server"):
            del server
            gc_collect()

    run(main())


@pytest.mark.ours_only
def test_emfile_backs_off_and_resumes(loop, run, protocols, loop_errors, monkeypatch):
    from loop_transports import server as server_module

    monkeypatch.setattr(server_module, "ACCEPT_RETRY_DELAY", 0.05)
    accepted = []

    class Counting(protocols.Echo):
        def connection_made(self, transport):
            super().connection_made(transport)
            accepted.append(transport)

    async def main():
        server = await loop.create_server(Counting, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        listener = server.sockets[0]
        clients = [socket.socket() for _ in range(3)]
        for c in clients:
            c.setblocking(False)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        # The limit bounds fd *numbers*: cap it at the lowest free one.
        lowest_free = os.dup(0)
        os.close(lowest_free)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
            for c in clients:
                await loop.sock_connect(c, ("127.0.0.1", port))
            await asyncio.sleep(0.2)  # several retry periods, all EMFILE
            assert accepted == []
            assert listener.fileno() != -1
            assert server.is_serving()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        while len(accepted) < 3:
            await asyncio.sleep(0.01)
        assert len(loop_errors) == 1
        assert "out of system resource" in loop_errors[0]["message"]
        loop_errors.clear()
        for c in clients:
            c.close()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)

    run(main())


@pytest.mark.ours_only
def test_server_class_is_exported(loop, run, protocols):
    import loop_transports

    async def main():
        server = await loop.create_server(protocols.Echo, "127.0.0.1", 0)
        assert isinstance(server, loop_transports.Server)
        assert "Server" in repr(server)
        server.close()
        await server.wait_closed()

    run(main())


@pytest.mark.parametrize("port", [70000, -1, "70000"])
def test_out_of_range_port_with_ip_literal(loop, run, protocols, port):
    # asyncio binds an IP literal's port as given: bind() refuses it, where
    # getaddrinfo would wrap 70000 to 4464.
    async def main():
        with pytest.raises(OverflowError):
            await loop.create_server(protocols.Echo, "127.0.0.1", port)

    run(main())
