"""Failed calls leave nothing behind: once the caller drops the error, no
frame, list or future keeps it alive in a reference cycle (it is freed at
once, not by the cycle collector), and nothing is reported as "Future
exception was never retrieved" (the loop fixture fails a test on any
exception-handler call).
"""

import asyncio
import gc
import socket
import ssl
import sys

import pytest
from loop_core.testing import gc_collect

pytestmark = pytest.mark.skipif(
    sys.implementation.name != "cpython",
    reason="PyPy frees nothing by reference counting: every error is GC'd",
)


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cyclic_errors(run, attempt, errors=(OSError,)):
    """Run ``attempt()``, catch its error and drop it; then list the errors
    (of ``errors``' types) that only the cycle collector could free."""

    async def main():
        try:
            await attempt()
        except errors:
            return True
        return False

    gc_collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert run(main()), "the call did not fail"
        gc.collect()
        return [type(o).__name__ for o in gc.garbage if isinstance(o, errors)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        gc_collect()  # a dropped future with an unread error is reported now


def is_asyncio(loop):
    return type(loop).__module__.startswith("asyncio")


def test_create_server_on_a_used_address(loop, run, protocols):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        assert (
            cyclic_errors(
                run, lambda: loop.create_server(protocols.Echo, "127.0.0.1", port)
            )
            == []
        )
    finally:
        taken.close()


def test_sock_connect_refused(loop, run):
    if is_asyncio(loop):
        pytest.skip("asyncio's sock_connect future keeps the error in a cycle")
    sock = socket.socket()
    sock.setblocking(False)
    try:
        port = _closed_port()
        assert (
            cyclic_errors(run, lambda: loop.sock_connect(sock, ("127.0.0.1", port)))
            == []
        )
    finally:
        sock.close()


def test_getaddrinfo_of_an_unknown_service(loop, run):
    assert (
        cyclic_errors(
            run,
            lambda: loop.getaddrinfo("127.0.0.1", "no-such-service-here"),
            (socket.gaierror,),
        )
        == []
    )


def test_create_unix_connection_to_no_socket(loop, run, protocols, tmp_path):
    path = str(tmp_path / "nobody-listens")
    assert (
        cyclic_errors(run, lambda: loop.create_unix_connection(protocols.Collect, path))
        == []
    )


def test_create_datagram_endpoint_on_a_used_address(loop, run):
    if is_asyncio(loop):
        pytest.skip("asyncio's create_datagram_endpoint keeps the error in a cycle")
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    try:
        addr = taken.getsockname()
        assert (
            cyclic_errors(
                run,
                lambda: loop.create_datagram_endpoint(
                    asyncio.DatagramProtocol, local_addr=addr
                ),
            )
            == []
        )
    finally:
        taken.close()


def test_create_connection_tls_handshake_fails(loop, run, protocols, server_ctx):
    if is_asyncio(loop):
        pytest.skip(
            "asyncio's SSL protocol keeps a failed handshake's error in a cycle"
        )

    # The client trusts no CA: its handshake fails on the server's
    # certificate. The server side just sees the connection go.
    async def attempt():
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, ssl=server_ctx
        )
        try:
            port = server.sockets[0].getsockname()[1]
            client_ctx = ssl.create_default_context()
            await loop.create_connection(
                protocols.Collect,
                "127.0.0.1",
                port,
                ssl=client_ctx,
                server_hostname="localhost",
            )
        finally:
            server.close()
            await server.wait_closed()

    assert cyclic_errors(run, attempt, (ssl.SSLError,)) == []


def test_start_tls_handshake_fails(loop, run, protocols, server_ctx):
    if is_asyncio(loop):
        pytest.skip(
            "asyncio's SSL protocol keeps a failed handshake's error in a cycle"
        )

    async def attempt():
        server = await loop.create_server(
            protocols.Echo, "127.0.0.1", 0, ssl=server_ctx
        )
        try:
            port = server.sockets[0].getsockname()[1]
            # A protocol that keeps no error of its own (Collect would).
            transport, protocol = await loop.create_connection(
                asyncio.Protocol, "127.0.0.1", port
            )
            try:
                await loop.start_tls(
                    transport,
                    protocol,
                    ssl.create_default_context(),
                    server_hostname="localhost",
                )
            finally:
                transport.close()
        finally:
            server.close()
            await server.wait_closed()

    assert cyclic_errors(run, attempt, (ssl.SSLError,)) == []
