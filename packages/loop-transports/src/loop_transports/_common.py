"""Argument checks shared by the connection and server entry points."""

from __future__ import annotations

from typing import Any

__all__ = ["TLS_NOT_IMPLEMENTED", "check_tls_args"]

TLS_NOT_IMPLEMENTED = "TLS support in loop-transports is not implemented yet"


def check_tls_args(
    ssl: Any,
    ssl_handshake_timeout: float | None,
    ssl_shutdown_timeout: float | None,
) -> None:
    """asyncio's ValueErrors for TLS-only arguments given without ``ssl``,
    then NotImplementedError when TLS is asked for (not in this release)."""
    if not ssl:
        if ssl_handshake_timeout is not None:
            raise ValueError("ssl_handshake_timeout is only meaningful with ssl")
        if ssl_shutdown_timeout is not None:
            raise ValueError("ssl_shutdown_timeout is only meaningful with ssl")
        return
    for name, value in (
        ("ssl_handshake_timeout", ssl_handshake_timeout),
        ("ssl_shutdown_timeout", ssl_shutdown_timeout),
    ):
        if value is not None and value <= 0:
            raise ValueError(f"{name} should be a positive number, got {value}")
    raise NotImplementedError(TLS_NOT_IMPLEMENTED)
