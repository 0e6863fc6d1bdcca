"""create_datagram_endpoint: UDP (and AF_UNIX datagram) endpoints.

A loop-core extension provider, called as ``provider(loop, *args, **kwargs)``.
Addresses come from the loop's own getaddrinfo (``SOCK_DGRAM``); local and
remote addresses are paired by (family, proto) and each pair is tried in
order. A socket that fails to bind or connect, or whose attempt is
cancelled, is closed before the next pair is tried, and the chosen socket is
closed if the protocol factory or the transport's start fails: nothing
leaks.

Like asyncio from 3.11 on, there is no ``reuse_address`` parameter (SO_REUSEADDR
on UDP lets another process steal the port's datagrams); passing it is a
TypeError.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import sys
from collections.abc import Callable
from typing import Any

from ._datagram_transport import DatagramTransport
from ._net_args import check_port

__all__ = ["create_datagram_endpoint"]

logger = logging.getLogger(__name__)

DatagramProtocolFactory = Callable[[], asyncio.DatagramProtocol]
# (family, proto) -> [local address, remote address]
_Pairs = list[tuple[tuple[int, int], tuple[Any, Any]]]


def _check_sock_alone(**options: Any) -> None:
    given = ", ".join(f"{name}={value}" for name, value in options.items() if value)
    if given:
        raise ValueError(
            "socket modifier keyword arguments can not be used "
            f"when sock is specified. ({given})"
        )


# asyncio wanted SOCK_DGRAM, then refused only stream sockets from 3.11.8
# and 3.12.2 on (gh-114887, raw sockets); follow the running Python.
_ONLY_STREAM_REFUSED = sys.version_info >= (3, 12, 2) or (
    3,
    11,
    8,
) <= sys.version_info < (3, 12)


def _check_sock_type(sock: socket.socket) -> None:
    if _ONLY_STREAM_REFUSED:
        if sock.type == socket.SOCK_STREAM:
            raise ValueError(f"A datagram socket was expected, got {sock!r}")
    elif sock.type != socket.SOCK_DGRAM:
        raise ValueError(f"A UDP Socket was expected, got {sock!r}")


def _set_reuse_port(sock: socket.socket) -> None:
    option = getattr(socket, "SO_REUSEPORT", None)
    if option is None:
        raise ValueError("reuse_port not supported by socket module")
    try:
        sock.setsockopt(socket.SOL_SOCKET, option, 1)
    except OSError:
        raise ValueError(
            "reuse_port not supported by socket module, "
            "SO_REUSEPORT defined but not implemented."
        ) from None


def _unix_pairs(local_addr: Any, remote_addr: Any, family: int, proto: int) -> _Pairs:
    for addr in (local_addr, remote_addr):
        if addr is not None and not isinstance(addr, str):
            raise TypeError("string is expected")
    # A path (not an abstract name) left behind by an earlier socket would
    # make bind() fail: remove it if it is a socket.
    if local_addr and local_addr[0] not in (0, "\x00"):
        try:
            if stat.S_ISSOCK(os.stat(local_addr).st_mode):
                os.remove(local_addr)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.error(
                "Unable to check or remove stale UNIX socket %r: %r", local_addr, exc
            )
    return [((family, proto), (local_addr, remote_addr))]


async def _inet_pairs(
    loop: asyncio.AbstractEventLoop,
    local_addr: Any,
    remote_addr: Any,
    family: int,
    proto: int,
    flags: int,
) -> _Pairs:
    by_key: dict[tuple[int, int], list[Any]] = {}
    for index, addr in ((0, local_addr), (1, remote_addr)):
        if addr is None:
            continue
        if not (isinstance(addr, tuple) and len(addr) == 2):
            raise TypeError("2-tuple is expected")
        check_port(addr[0], addr[1], "connect" if index else "bind")
        infos = await loop.getaddrinfo(
            addr[0],
            addr[1],
            family=family,
            type=socket.SOCK_DGRAM,
            proto=proto,
            flags=flags,
        )
        if not infos:
            raise OSError("getaddrinfo() returned empty list")
        for info_family, _, info_proto, _, address in infos:
            by_key.setdefault((info_family, info_proto), [None, None])[index] = address
    # Keep only the (family, proto) pairs that have every address asked for.
    pairs: _Pairs = [
        (key, (local, remote))
        for key, (local, remote) in by_key.items()
        if not ((local_addr and local is None) or (remote_addr and remote is None))
    ]
    if not pairs:
        raise ValueError("can not get address information")
    return pairs


async def _open_one(
    loop: asyncio.AbstractEventLoop,
    family: int,
    proto: int,
    local: Any,
    remote: Any,
    *,
    bind: bool,
    connect: bool,
    reuse_port: bool | None,
    allow_broadcast: bool | None,
) -> socket.socket:
    sock = socket.socket(family=family, type=socket.SOCK_DGRAM, proto=proto)
    try:
        if reuse_port:
            _set_reuse_port(sock)
        if allow_broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setblocking(False)
        if bind:
            sock.bind(local)
        # With broadcast allowed the socket stays unconnected (a connected
        # socket would drop replies from other hosts); the transport still
        # sends to ``remote`` by default.
        if connect and not allow_broadcast:
            await loop.sock_connect(sock, remote)
    except BaseException:
        sock.close()
        raise
    return sock


async def create_datagram_endpoint(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: DatagramProtocolFactory,
    local_addr: Any = None,
    remote_addr: Any = None,
    *,
    family: int = 0,
    proto: int = 0,
    flags: int = 0,
    reuse_port: bool | None = None,
    allow_broadcast: bool | None = None,
    sock: socket.socket | None = None,
) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]:
    """asyncio's ``loop.create_datagram_endpoint()``."""
    remote: Any = None
    if sock is not None:
        _check_sock_type(sock)
        _check_sock_alone(
            local_addr=local_addr,
            remote_addr=remote_addr,
            family=family,
            proto=proto,
            flags=flags,
            reuse_port=reuse_port,
            allow_broadcast=allow_broadcast,
        )
        sock.setblocking(False)
    else:
        sock, remote = await _open_endpoint(
            loop,
            local_addr,
            remote_addr,
            family,
            proto,
            flags,
            reuse_port,
            allow_broadcast,
        )
    return await _start(loop, sock, protocol_factory, remote)


async def _open_endpoint(
    loop: asyncio.AbstractEventLoop,
    local_addr: Any,
    remote_addr: Any,
    family: int,
    proto: int,
    flags: int,
    reuse_port: bool | None,
    allow_broadcast: bool | None,
) -> tuple[socket.socket, Any]:
    """The first (local, remote) pair that binds and connects: its socket,
    and the remote address sendto() will accept (None without one)."""
    if not (local_addr or remote_addr):
        if family == 0:
            raise ValueError("unexpected address family")
        pairs: _Pairs = [((family, proto), (None, None))]
    elif family == getattr(socket, "AF_UNIX", None):
        pairs = _unix_pairs(local_addr, remote_addr, family, proto)
    else:
        pairs = await _inet_pairs(loop, local_addr, remote_addr, family, proto, flags)
    errors: list[OSError] = []
    for (pair_family, pair_proto), (local, remote) in pairs:
        try:
            sock = await _open_one(
                loop,
                pair_family,
                pair_proto,
                local,
                remote,
                bind=bool(local_addr),
                connect=bool(remote_addr),
                reuse_port=reuse_port,
                allow_broadcast=allow_broadcast,
            )
        except OSError as exc:
            errors.append(exc)
            continue
        return sock, remote if remote_addr else None
    try:
        raise errors[0]
    finally:
        errors = []


async def _start(
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    protocol_factory: DatagramProtocolFactory,
    remote: Any,
) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]:
    try:
        protocol = protocol_factory()
    except BaseException:
        sock.close()
        raise
    waiter: asyncio.Future[None] = loop.create_future()
    transport = DatagramTransport(loop, sock, protocol, remote, waiter=waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol
