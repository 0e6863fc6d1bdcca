"""Helpers shared by the third-party tests (imported as ``thirdparty.support``:
tests-integration is on pytest's pythonpath and this directory is a
namespace package)."""

from __future__ import annotations

import hashlib
import socket

MIB = 1024 * 1024


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic payload built from a hash chain, so a reordered or
    dropped chunk changes the digest."""
    out = bytearray()
    block = seed.to_bytes(8, "big")
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True
