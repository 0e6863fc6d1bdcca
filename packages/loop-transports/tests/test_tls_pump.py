"""RecordPump alone: a client and a server pumped into each other in
memory, with no loop and no socket (so no loop fixture either)."""

import ssl

import pytest
from loop_transports._tls_pump import RecordPump


def shuttle(*pumps):
    """Move ciphertext both ways until neither side has any to send."""
    a, b = pumps
    moved = True
    while moved:
        moved = False
        for src, dst in ((a, b), (b, a)):
            data = src.data_to_send()
            if data:
                dst.feed(data)
                moved = True


def handshake(client, server):
    for _ in range(10):
        done = (client.handshake(), server.handshake())
        shuttle(client, server)
        if all(done):
            return
    raise AssertionError("handshake did not finish")


@pytest.fixture
def pair(server_ctx, client_ctx):
    client = RecordPump(client_ctx, server_hostname="localhost")
    server = RecordPump(server_ctx, server_side=True)
    return client, server


def test_handshake_and_session_info(pair):
    client, server = pair
    assert not client.handshake()  # the ClientHello waits to be sent
    assert client.outgoing_size > 0 and client.buffer_size() == client.outgoing_size
    handshake(client, server)
    info = client.session_info()
    assert info["ssl_object"] is client.ssl_object
    assert info["ssl_object"].version() == "TLSv1.3"
    assert dict(x[0] for x in info["peercert"]["subject"])["commonName"]
    assert server.session_info()["peercert"] is None  # no client certificate


def test_write_before_handshake_waits_in_backlog(pair):
    client, server = pair
    data = bytearray(b"early")
    client.write(data)
    data[:] = b"XXXXX"  # the pump kept its own copy
    assert client.backlog_size == 5 and client.outgoing_size == 0
    handshake(client, server)
    assert client.backlog_size == 5  # the owner decides when it goes
    client.write_backlog()
    assert client.backlog_size == 0 and client.outgoing_size > 0
    shuttle(client, server)
    assert server.read() == (b"early", False)
    assert server.read() == (b"", False)  # nothing more, and no error


def test_everything_fed_is_read_at_once(pair):
    client, server = pair
    handshake(client, server)
    payload = bytes(range(256)) * 1024  # 256 KiB: many records
    client.write(payload)
    client.write(memoryview(b"tail"))
    assert client.buffer_size() == client.outgoing_size
    shuttle(client, server)
    assert server.incoming_size > len(payload)
    assert server.read() == (payload + b"tail", False)
    assert server.incoming_size == 0 and not server.has_input()


def test_read_into_stops_when_the_buffer_is_full(pair):
    client, server = pair
    handshake(client, server)
    client.write(b"a" * 1000)
    shuttle(client, server)
    buffer = memoryview(bytearray(600))
    assert server.read_into(buffer) == (600, False)
    assert server.has_input()
    assert server.read_into(buffer) == (400, False)
    assert bytes(buffer[:400]) == b"a" * 400
    assert not server.has_input()
    assert server.read_into(buffer) == (0, False)


def test_shutdown_both_ways(pair):
    client, server = pair
    handshake(client, server)
    client.write(b"last words")
    assert not client.shutdown()  # close_notify sent, the peer's awaited
    shuttle(client, server)
    assert server.read() == (b"last words", True)
    assert server.shutdown()
    shuttle(client, server)
    assert client.shutdown()


def test_failures_propagate(server_ctx):
    client = RecordPump(ssl.create_default_context(), server_hostname="localhost")
    server = RecordPump(server_ctx, server_side=True)
    client.handshake()
    shuttle(client, server)
    server.handshake()
    shuttle(client, server)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.handshake()  # our test CA is not in the default store


def test_discard_output(pair):
    client, server = pair
    client.write(b"queued")
    client.handshake()
    assert client.buffer_size() > 6
    client.discard_output()
    assert client.buffer_size() == 0 and client.data_to_send() == b""
