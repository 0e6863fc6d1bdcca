"""Checks of the address arguments of the connection, server and datagram
entry points, made before anything is resolved, as asyncio makes them.
"""

from __future__ import annotations

import numbers
import socket
import sys

__all__ = ["check_delay", "check_port"]


def _is_ip_literal(host: object) -> bool:
    if isinstance(host, bytes):
        try:
            host = host.decode("idna")
        except UnicodeError:
            return False
    if not isinstance(host, str) or "%" in host:
        return False
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        return True
    return False


def check_port(host: object, port: object, call: str) -> None:
    """asyncio's OverflowError for an IP literal's port out of 0-65535.

    asyncio does not resolve an IP literal with a numeric port: it hands
    the pair to the socket as given, and bind()/connect() refuse the port.
    getaddrinfo would take it modulo 65536 instead (70000 is 4464), so we
    check before resolving. A host name's port goes through getaddrinfo
    in asyncio too, and so wraps there as well."""
    if port is None or port in ("", b"") or not _is_ip_literal(host):
        return
    try:
        number = int(port)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return  # a service name: getaddrinfo's business
    if not 0 <= number <= 0xFFFF:
        raise OverflowError(f"{call}(): port must be 0-65535.")


def check_delay(delay: object) -> None:
    """happy_eyeballs_delay is a number (NaN and negatives included, which
    start the attempts back to back); asyncio's TypeError otherwise, even
    with a single address to try. From 3.14 asyncio's staggered race wraps
    it in an ExceptionGroup, and so do we."""
    if delay is None or isinstance(delay, numbers.Real):
        return
    error = TypeError(
        f"happy_eyeballs_delay must be a number, not {type(delay).__name__}"
    )
    if sys.version_info >= (3, 14):
        raise ExceptionGroup("staggered race failed", [error])
    raise error
