"""Argument checks shared by the connection, server and datagram entry
points, and the one place that turns ``ssl=`` arguments into TLS options.

``ssl`` is imported only when TLS is asked for: plain TCP never pays for it.
"""

from __future__ import annotations

import numbers
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tls import TLSOptions

__all__ = ["check_delay", "check_port", "check_tls_args", "tls_options"]


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


def check_tls_args(
    ssl: Any,
    ssl_handshake_timeout: float | None,
    ssl_shutdown_timeout: float | None,
    *,
    values: bool = True,
) -> None:
    """asyncio's ValueErrors for TLS-only arguments given without ``ssl``
    and (unless ``values`` is false: checked later) for timeouts that are
    not positive."""
    if not ssl:
        if ssl_handshake_timeout is not None:
            raise ValueError("ssl_handshake_timeout is only meaningful with ssl")
        if ssl_shutdown_timeout is not None:
            raise ValueError("ssl_shutdown_timeout is only meaningful with ssl")
        return
    if not values:
        return
    for name, value in (
        ("ssl_handshake_timeout", ssl_handshake_timeout),
        ("ssl_shutdown_timeout", ssl_shutdown_timeout),
    ):
        if value is not None and value <= 0:
            raise ValueError(f"{name} should be a positive number, got {value}")


def tls_options(
    ssl: Any,
    *,
    server_side: bool = False,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = None,
    ssl_shutdown_timeout: float | None = None,
) -> TLSOptions | None:
    """None for plain connections; otherwise the context (``ssl=True`` means
    a default client context), hostname and timeouts, checked as asyncio
    checks them."""
    check_tls_args(ssl, ssl_handshake_timeout, ssl_shutdown_timeout)
    if not ssl:
        return None
    from .tls import TLSOptions

    return TLSOptions(
        None if isinstance(ssl, bool) else ssl,
        server_side=server_side,
        server_hostname=server_hostname,
        handshake_timeout=ssl_handshake_timeout,
        shutdown_timeout=ssl_shutdown_timeout,
    )
