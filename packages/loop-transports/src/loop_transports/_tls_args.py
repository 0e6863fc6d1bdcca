"""The ``ssl=`` arguments of every entry point: asyncio's checks of them,
and the one place that turns them into TLS options.

Each connection or server checks its TLS arguments once. Most entry points
check them all up front; one that takes a connected socket of the caller's
checks the timeouts' values only when it makes the transport, where asyncio
does (a refusal then closes the socket on 3.14), and asks ``tls_options``
to do it there.

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
    and (unless ``values`` is false: ``tls_options`` checks them later) for
    timeouts that are not positive."""
    if not ssl:
        if ssl_handshake_timeout is not None:
            raise ValueError("ssl_handshake_timeout is only meaningful with ssl")
        if ssl_shutdown_timeout is not None:
            raise ValueError("ssl_shutdown_timeout is only meaningful with ssl")
    elif values:
        _check_timeouts(ssl_handshake_timeout, ssl_shutdown_timeout)


def _check_timeouts(handshake: float | None, shutdown: float | None) -> None:
    for name, value in (
        ("ssl_handshake_timeout", handshake),
        ("ssl_shutdown_timeout", shutdown),
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
    check_values: bool = False,
) -> TLSOptions | None:
    """None for plain connections; otherwise the context (``ssl=True`` means
    a default client context), hostname and timeouts. The caller has run
    ``check_tls_args``; with ``check_values`` it deferred the timeouts'
    values to here."""
    if not ssl:
        return None
    if check_values:
        _check_timeouts(ssl_handshake_timeout, ssl_shutdown_timeout)
    from .tls import TLSOptions

    return TLSOptions(
        None if isinstance(ssl, bool) else ssl,
        server_side=server_side,
        server_hostname=server_hostname,
        handshake_timeout=ssl_handshake_timeout,
        shutdown_timeout=ssl_shutdown_timeout,
    )
