"""create_connection and connect_accepted_socket for plain TCP.

Both are loop-core extension providers, called as
``provider(loop, *args, **kwargs)``. Addresses come from the loop's own
getaddrinfo and are tried with ``loop.sock_connect`` on non-blocking
sockets, in order or staggered (``_racing``); a socket that fails (or
whose attempt is cancelled) is closed at once, so nothing leaks.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from typing import Any

from ._connected import make_transport
from ._net_args import check_delay, check_port
from ._racing import connect_first
from ._tls_args import check_tls_args, tls_options

__all__ = ["connect_accepted_socket", "create_connection"]

_AddrInfo = tuple[Any, Any, int, str, Any]
ProtocolFactory = Callable[[], asyncio.BaseProtocol]


def _interleave(infos: list[_AddrInfo], first_family_count: int) -> list[_AddrInfo]:
    """RFC 8305 ordering: alternate address families, starting with the
    first one, taking ``first_family_count`` of it first."""
    by_family: dict[int, list[_AddrInfo]] = {}
    for info in infos:
        by_family.setdefault(info[0], []).append(info)
    queues = list(by_family.values())
    if not queues:
        return infos
    # The round robin below starts with the first family too: take one less.
    ordered = queues[0][: first_family_count - 1]
    queues[0] = queues[0][first_family_count - 1 :]
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered


async def _resolve(
    loop: asyncio.AbstractEventLoop,
    host: Any,
    port: Any,
    family: int,
    proto: int,
    flags: int,
) -> list[_AddrInfo]:
    infos = await loop.getaddrinfo(
        host, port, family=family, type=socket.SOCK_STREAM, proto=proto, flags=flags
    )
    if not infos:
        raise OSError("getaddrinfo() returned empty list")
    return list(infos)


async def _connect_one(
    loop: asyncio.AbstractEventLoop,
    info: _AddrInfo,
    local_infos: Sequence[_AddrInfo] | None,
) -> socket.socket:
    family, type_, proto, _, address = info
    sock = socket.socket(family=family, type=type_, proto=proto)
    try:
        sock.setblocking(False)
        if local_infos is not None:
            bound = False
            last: OSError | None = None
            for lfamily, _, _, _, laddr in local_infos:
                if lfamily != family:
                    continue
                try:
                    sock.bind(laddr)
                    bound = True
                    break
                except OSError as exc:
                    strerror = (exc.strerror or str(exc)).lower()
                    last = OSError(
                        exc.errno,
                        f"error while attempting to bind on address {laddr!r}: "
                        f"{strerror}",
                    )
            if not bound:
                if last is not None:
                    raise last
                raise OSError(f"no matching local address with {family=} found")
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


async def _connect_host(
    loop: asyncio.AbstractEventLoop,
    host: Any,
    port: Any,
    family: int,
    proto: int,
    flags: int,
    local_addr: tuple[Any, ...] | None,
    happy_eyeballs_delay: float | None,
    interleave: int | None,
    all_errors: bool,
) -> socket.socket:
    """A socket connected to one of ``host``'s addresses: resolved, ordered
    and raced as ``create_connection``'s arguments say."""
    check_port(host, port, "connect")
    if local_addr is not None:
        check_port(local_addr[0], local_addr[1], "bind")
    infos = await _resolve(loop, host, port, family, proto, flags)
    local_infos = None
    if local_addr is not None:
        # An IPv6 local_addr may carry flowinfo and scope_id: the host
        # and port are what is resolved.
        local_infos = await _resolve(
            loop, local_addr[0], local_addr[1], family, proto, flags
        )
    if interleave:
        infos = _interleave(infos, interleave)
    return await connect_first(
        loop,
        infos,
        lambda info: _connect_one(loop, info, local_infos),
        happy_eyeballs_delay,
        all_errors,
    )


async def create_connection(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    host: str | None = None,
    port: int | str | None = None,
    *,
    ssl: Any = None,
    family: int = 0,
    proto: int = 0,
    flags: int = 0,
    sock: socket.socket | None = None,
    local_addr: tuple[str, int] | tuple[str, int, int, int] | None = None,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
    happy_eyeballs_delay: float | None = None,
    interleave: int | None = None,
    all_errors: bool = False,
) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
    """asyncio's ``loop.create_connection()``, plain or TLS."""
    if server_hostname is not None and not ssl:
        raise ValueError("server_hostname is only meaningful with ssl")
    if server_hostname is None and ssl and not host:
        raise ValueError("You must set server_hostname when using ssl without a host")
    # Without a socket of the caller's, bad timeouts fail before connecting;
    # with one, where asyncio checks them (which closes it on 3.14).
    passed = sock is not None
    check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout, values=not passed)
    check_delay(happy_eyeballs_delay)
    if happy_eyeballs_delay is not None and interleave is None:
        interleave = 1

    if host is not None or port is not None:
        if sock is not None:
            raise ValueError("host/port and sock can not be specified at the same time")
        sock = await _connect_host(
            loop,
            host,
            port,
            family,
            proto,
            flags,
            local_addr,
            happy_eyeballs_delay,
            interleave,
            all_errors,
        )
    elif sock is None:
        raise ValueError("host and port was not specified and no sock specified")
    elif sock.type != socket.SOCK_STREAM:
        raise ValueError(f"A Stream Socket was expected, got {sock!r}")
    return await make_transport(
        loop,
        sock,
        protocol_factory,
        lambda: tls_options(
            ssl,
            server_hostname=host if server_hostname is None else server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout,
            ssl_shutdown_timeout=ssl_shutdown_timeout,
            check_values=passed,
        ),
        passed=passed,
    )


async def connect_accepted_socket(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    sock: socket.socket,
    *,
    ssl: Any = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
    """asyncio's ``loop.connect_accepted_socket()``, plain or TLS."""
    if sock.type != socket.SOCK_STREAM:
        raise ValueError(f"A Stream Socket was expected, got {sock!r}")
    check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout, values=False)
    return await make_transport(
        loop,
        sock,
        protocol_factory,
        lambda: tls_options(
            ssl,
            server_side=True,
            ssl_handshake_timeout=ssl_handshake_timeout,
            ssl_shutdown_timeout=ssl_shutdown_timeout,
            check_values=True,
        ),
        passed=True,
    )
