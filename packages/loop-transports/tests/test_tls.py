"""TLS connections and servers (ssl=...), on our loop and asyncio's."""

import asyncio
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time
import weakref

import pytest
from loop_core.testing import gc_collect

MIB = 1024 * 1024


async def _roundtrip(transport, protocol, size):
    payload = os.urandom(size)
    transport.write(payload)
    assert await protocol.read(size) == payload


def test_echo_tcp_1mib_tls13(loop, run, client_ctx, tls_server, tls_connect):
    async def main():
        server, port = await tls_server()
        async with server:
            transport, protocol = await tls_connect(port)
            assert protocol.made.done()
            sslobj = transport.get_extra_info("ssl_object")
            assert isinstance(sslobj, ssl.SSLObject)
            assert sslobj.version() == "TLSv1.3"
            assert transport.get_extra_info("cipher")[1] == "TLSv1.3"
            assert transport.get_extra_info("peercert")["subjectAltName"]
            assert transport.get_extra_info("compression") is None
            assert transport.get_extra_info("sslcontext") is client_ctx
            assert transport.get_extra_info("peername") == ("127.0.0.1", port)
            assert transport.get_extra_info("sockname")[0] == "127.0.0.1"
            assert transport.get_extra_info("socket") is not None
            assert transport.get_extra_info("nope", 42) == 42
            await _roundtrip(transport, protocol, MIB)
            assert not transport.can_write_eof()
            with pytest.raises(NotImplementedError):
                transport.write_eof()
            transport.close()
            assert transport.is_closing()
            assert await protocol.lost is None

    run(main())


def test_echo_unix_1mib(loop, run, server_ctx, client_ctx, protocols):
    directory = tempfile.mkdtemp(prefix="lt-", dir="/tmp")
    path = os.path.join(directory, "tls")

    async def main():
        server = await loop.create_unix_server(protocols.Echo, path, ssl=server_ctx)
        async with server:
            transport, protocol = await loop.create_unix_connection(
                protocols.Flow, path, ssl=client_ctx, server_hostname="localhost"
            )
            assert transport.get_extra_info("ssl_object").version() == "TLSv1.3"
            await _roundtrip(transport, protocol, MIB)
            transport.close()
            assert await protocol.lost is None

    try:
        run(main())
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_server_hostname_defaults_to_host(loop, run, client_ctx, protocols, tls_server):
    async def main():
        server, port = await tls_server()
        async with server:
            # The certificate names 127.0.0.1: host doubles as server_hostname.
            transport, protocol = await loop.create_connection(
                protocols.Flow, "127.0.0.1", port, ssl=client_ctx
            )
            await _roundtrip(transport, protocol, 1000)
            transport.close()
            await protocol.lost
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.create_connection(
                    protocols.Flow,
                    "127.0.0.1",
                    port,
                    ssl=client_ctx,
                    server_hostname="other",
                )

    run(main())


def test_ssl_true_uses_default_context(
    loop, run, tls_certificates, monkeypatch, protocols, tls_server
):
    cafile = str(tls_certificates.ca_file)

    async def main():
        server, port = await tls_server()
        async with server:
            # Not trusted by the system store: self-signed as far as it knows.
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.create_connection(
                    protocols.Flow, "127.0.0.1", port, ssl=True
                )
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.create_connection(
                    protocols.Flow, "127.0.0.1", port, ssl=True, server_hostname=""
                )
            monkeypatch.setenv("SSL_CERT_FILE", cafile)
            transport, protocol = await loop.create_connection(
                protocols.Flow, "127.0.0.1", port, ssl=True
            )
            await _roundtrip(transport, protocol, 1000)
            transport.close()
            await protocol.lost
            with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
                await loop.create_connection(
                    protocols.Flow,
                    "127.0.0.1",
                    port,
                    ssl=True,
                    server_hostname="wrong.test",
                )
            # '' turns off name matching only.
            transport, protocol = await loop.create_connection(
                protocols.Flow, "127.0.0.1", port, ssl=True, server_hostname=""
            )
            await _roundtrip(transport, protocol, 1000)
            transport.close()
            await protocol.lost

    run(main())


def test_empty_server_hostname_still_verifies_chain(loop, run, protocols, tls_server):
    async def main():
        server, port = await tls_server()
        async with server:
            context = ssl.create_default_context()
            context.check_hostname = False
            assert context.verify_mode == ssl.CERT_REQUIRED
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.create_connection(
                    protocols.Flow, "127.0.0.1", port, ssl=context, server_hostname=""
                )

    run(main())


CLOSES_PASSED_SOCKET = sys.version_info >= (3, 14)


def test_argument_errors(loop, run, server_ctx, client_ctx, protocols):
    async def main():
        with pytest.raises(ValueError, match="server_hostname is only meaningful"):
            await loop.create_connection(
                protocols.Flow, "127.0.0.1", 1, server_hostname="h"
            )
        with socket.socket() as sock:
            with pytest.raises(ValueError, match="server_hostname"):
                await loop.create_connection(protocols.Flow, sock=sock, ssl=client_ctx)
        # Refused where the transport would be made: 3.14 closes the socket
        # it was given (gh-153133), earlier versions leave it open.
        for match, kwargs in (
            ("ssl_handshake_timeout", {"ssl_handshake_timeout": 0}),
            ("ssl_shutdown_timeout", {"ssl_shutdown_timeout": -1}),
        ):
            a, b = socket.socketpair()
            with a, b:
                with pytest.raises(ValueError, match=match):
                    await loop.connect_accepted_socket(
                        protocols.Flow, a, ssl=server_ctx, **kwargs
                    )
                assert (a.fileno() == -1) == CLOSES_PASSED_SOCKET
        with pytest.raises(TypeError):
            await loop.create_server(protocols.Echo, "127.0.0.1", 0, ssl=True)
        a, b = socket.socketpair()
        with a, b:
            with pytest.raises(ValueError, match="Server side SSL needs"):
                await loop.connect_accepted_socket(protocols.Flow, a, ssl=True)
            assert (a.fileno() == -1) == CLOSES_PASSED_SOCKET

    run(main())


def test_handshake_timeout_silent_peer(loop, run, tls_connect):
    async def main():
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)  # the kernel accepts; nobody ever answers
            port = listener.getsockname()[1]
            started = time.monotonic()
            with pytest.raises(ConnectionAbortedError, match="SSL handshake is taking"):
                await tls_connect(port, ssl_handshake_timeout=0.5)
            # Upper bound: our 0.5 s, not the 60 s default (with room for a
            # loaded machine).
            assert 0.45 <= time.monotonic() - started < 10

    run(main())


def test_shutdown_timeout(loop, run, protocols, tls_connect, tls_server):
    async def main():
        made = loop.create_future()
        server, port = await tls_server(lambda: protocols.Stalled(made))
        async with server:
            transport, protocol = await tls_connect(port, ssl_shutdown_timeout=0.5)
            peer = await made
            started = time.monotonic()
            transport.close()
            exc = await protocol.lost
            assert isinstance(exc, TimeoutError)
            assert str(exc) == "SSL shutdown timed out"
            # Our 0.5 s, not the 30 s default (room for a loaded machine).
            assert time.monotonic() - started < 10
            peer.abort()

    run(main())


def test_nothing_outlives_the_connection(
    loop, run, protocols, tls_certificates, tls_server, tls_connect
):
    refs = []

    async def main():
        server_lost = loop.create_future()

        class Server(protocols.Echo):
            def connection_lost(self, exc):
                server_lost.set_result(exc)

        server_ctx = tls_certificates.server_context()
        client_ctx = tls_certificates.client_context()
        refs.extend([weakref.ref(server_ctx), weakref.ref(client_ctx)])
        server, port = await tls_server(Server, ssl=server_ctx)
        async with server:
            transport, protocol = await tls_connect(port, ssl=client_ctx)
            await _roundtrip(transport, protocol, 1000)
            transport.close()
            await protocol.lost
            await server_lost  # the server side's close has finished

    run(main())
    loop.close()
    gc_collect()
    assert [ref() for ref in refs] == [None, None]


def test_server_survives_failed_handshakes(
    loop, run, protocols, tls_server, tls_connect
):
    async def main():
        server, port = await tls_server()
        async with server:
            # A client that does not trust the server's certificate...
            with pytest.raises(ssl.SSLCertVerificationError):
                await loop.create_connection(
                    protocols.Flow, "127.0.0.1", port, ssl=ssl.create_default_context(),
                    server_hostname="localhost",
                )  # fmt: skip
            # ...and one that speaks plaintext.
            reader = socket.create_connection(("127.0.0.1", port))
            with reader:
                reader.setblocking(False)
                await loop.sock_sendall(reader, b"GET / HTTP/1.0\r\n\r\n" * 20)
                while await loop.sock_recv(reader, 4096):
                    pass  # the server answers with an alert, then closes
            assert server.is_serving()
            transport, protocol = await tls_connect(port)
            await _roundtrip(transport, protocol, 1000)
            transport.close()
            await protocol.lost

    run(main())


def test_peer_close_notify_reaches_eof_received(
    loop, run, protocols, tls_connect, tls_server
):
    async def main():
        server_side = loop.create_future()

        class Closer(protocols.Echo):
            def connection_made(self, transport):
                super().connection_made(transport)
                server_side.set_result(transport)

        server, port = await tls_server(Closer)
        async with server:
            transport, protocol = await tls_connect(port)
            peer = await server_side
            peer.write(b"bye")
            peer.close()
            assert await protocol.lost is None
            assert bytes(protocol.data) == b"bye"
            assert transport.is_closing()

    run(main())


@pytest.mark.ours_only
def test_unclosed_tls_transport_warns(loop):
    from loop_transports.tls import TLSProtocol

    context = ssl.create_default_context()
    tls = TLSProtocol(loop, asyncio.Protocol(), context, None, server_hostname="h")
    transport = tls.transport
    tls.transport = None
    del tls
    with pytest.warns(ResourceWarning, match="unclosed transport"):
        del transport
        gc_collect()


def test_failed_handshake_reported_in_debug_mode(loop, run, loop_errors, tls_server):
    async def main():
        loop.set_debug(True)
        server, port = await tls_server()
        async with server:
            reader = socket.create_connection(("127.0.0.1", port))
            with reader:
                reader.setblocking(False)
                await loop.sock_sendall(reader, b"\x00" * 4096)
                while await loop.sock_recv(reader, 4096):
                    pass
            while not loop_errors:  # bounded by run()'s timeout, not a guess
                await asyncio.sleep(0.01)
        loop.set_debug(False)

    run(main())
    messages = [context["message"] for context in loop_errors]
    loop_errors.clear()
    assert messages == ["Error on transport creation for incoming connection"]


def test_contexts_where_third_party_code_reads_them(
    loop, run, server_ctx, client_ctx, tls_server, tls_connect
):
    # Private attributes, but read by real software: websockets' test
    # helper picks ws:// or wss:// from Server._ssl_context; aiohttp's tests
    # find a TLS transport's context as asyncio's
    # transport._ssl_protocol._sslcontext or uvloop's transport._sslcontext.
    def context_of(transport):
        protocol = getattr(transport, "_ssl_protocol", None)
        if protocol is not None:
            return protocol._sslcontext
        return transport._sslcontext

    async def main():
        plain = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
        server, port = await tls_server()
        async with plain, server:
            assert plain._ssl_context is None
            assert server._ssl_context is server_ctx
            transport, protocol = await tls_connect(port)
            try:
                assert context_of(transport) is client_ctx
            finally:
                transport.close()
            await protocol.lost

    run(main())
