"""Argument checks shared by the connection and server entry points, and
the one place that turns ``ssl=`` arguments into TLS options.

``ssl`` is imported only when TLS is asked for: plain TCP never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tls import TLSOptions

__all__ = ["check_tls_args", "tls_options"]


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
