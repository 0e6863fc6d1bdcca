"""Name resolution: getaddrinfo / getnameinfo in the default executor.

A numeric host (an IP literal, or None) with a numeric port needs no DNS,
so it is answered inline with AI_NUMERICHOST: no thread, no wait, and the
same answer the threaded call would give.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["ResolverMixin", "is_numeric_host"]

_AddrInfo = list[
    tuple[
        socket.AddressFamily,
        socket.SocketKind,
        int,
        str,
        tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes],
    ]
]


def is_numeric_host(host: object) -> bool:
    """True for an IPv4/IPv6 literal (str or bytes) and for None."""
    if host is None:
        return True
    if isinstance(host, bytes):
        try:
            host = host.decode("idna")
        except UnicodeError:
            return False
    if not isinstance(host, str) or not host:
        return False
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        return True
    return False


def _is_numeric_port(port: object) -> bool:
    if port is None or isinstance(port, int):
        return True
    if isinstance(port, (str, bytes)):
        return port.isdigit()
    return False


class ResolverMixin:
    async def getaddrinfo(
        self,
        host: bytes | str | None,
        port: bytes | str | int | None,
        *,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> _AddrInfo:
        if is_numeric_host(host) and _is_numeric_port(port):
            return socket.getaddrinfo(  # type: ignore[return-value]
                host, port, family, type, proto, flags | socket.AI_NUMERICHOST
            )
        return await self.run_in_executor(  # type: ignore[no-any-return]
            None, socket.getaddrinfo, host, port, family, type, proto, flags
        )

    async def getnameinfo(
        self, sockaddr: tuple[str, int] | tuple[str, int, int, int], flags: int = 0
    ) -> tuple[str, str]:
        info: tuple[str, str] = await self.run_in_executor(
            None, socket.getnameinfo, sockaddr, flags
        )
        return info

    async def _ensure_resolved(
        self, address: Any, family: int, type: int, proto: int
    ) -> Any:
        """A connectable address: resolved unless it already is numeric."""
        host, port = address[:2]
        if (
            isinstance(host, str)
            and isinstance(port, int)
            and is_numeric_host(host)
            and "%" not in host
        ):
            return address
        infos = await self.getaddrinfo(
            host, port, family=family, type=type, proto=proto
        )
        if not infos:
            raise OSError(f"getaddrinfo({host!r}) returned empty list")
        return infos[0][4]

    if TYPE_CHECKING:  # provided by ExecutorMixin

        def run_in_executor(
            self, executor: Any, func: Callable[..., Any], *args: Any
        ) -> asyncio.Future[Any]: ...
