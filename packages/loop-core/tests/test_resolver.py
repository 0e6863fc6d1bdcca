"""getaddrinfo / getnameinfo (loopback names and literals only)."""

import socket

import pytest

NUMERIC = [
    ("127.0.0.1", 80, {}),
    ("127.0.0.1", "8080", {"type": socket.SOCK_STREAM}),
    (b"127.0.0.1", 0, {"family": socket.AF_INET}),
    ("::1", 443, {"type": socket.SOCK_DGRAM}),
    (None, 80, {"flags": socket.AI_PASSIVE, "type": socket.SOCK_STREAM}),
    ("0.0.0.0", None, {}),
]


@pytest.mark.parametrize(("host", "port", "kwargs"), NUMERIC)
def test_getaddrinfo_numeric_same_as_socket(loop, host, port, kwargs):
    try:
        expected = socket.getaddrinfo(host, port, **kwargs)
    except socket.gaierror:
        pytest.skip("not supported on this host")
    assert loop.run_until_complete(loop.getaddrinfo(host, port, **kwargs)) == expected


def test_getaddrinfo_localhost(loop):
    infos = loop.run_until_complete(
        loop.getaddrinfo(
            "localhost", 80, family=socket.AF_INET, type=socket.SOCK_STREAM
        )
    )
    assert infos
    assert all(family == socket.AF_INET for family, *_ in infos)
    assert ("127.0.0.1", 80) in [info[4] for info in infos]


def test_getaddrinfo_service_name(loop):
    infos = loop.run_until_complete(
        loop.getaddrinfo("127.0.0.1", "http", type=socket.SOCK_STREAM)
    )
    assert [info[4] for info in infos] == [("127.0.0.1", 80)]


def test_getaddrinfo_error(loop):
    with pytest.raises(socket.gaierror):
        loop.run_until_complete(
            loop.getaddrinfo(
                "127.0.0.1", "no-such-service-xyz", type=socket.SOCK_STREAM
            )
        )


@pytest.mark.parametrize("flags", [0, socket.NI_NUMERICHOST | socket.NI_NUMERICSERV])
def test_getnameinfo(loop, flags):
    addr = ("127.0.0.1", 80)
    result = loop.run_until_complete(loop.getnameinfo(addr, flags))
    assert result == socket.getnameinfo(addr, flags)
    if flags:
        assert result == ("127.0.0.1", "80")
