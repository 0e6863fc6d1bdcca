"""RecordPump: one TLS session as bytes in and bytes out, with no loop.

An ``ssl.SSLObject`` between two ``ssl.MemoryBIO``: ciphertext from the
peer goes in with ``feed()`` and ciphertext for the peer comes out with
``data_to_send()``; plaintext goes in with ``write()`` and comes out with
``read()`` / ``read_into()``. The pump never calls anyone: whoever owns it
(TLSProtocol) decides when to move the bytes and what a failure means. So
a pump is tested alone, by pumping a client and a server into each other
in memory (``tests/test_tls_pump.py``).

It is on the path of every TLS byte, so each call does all the work one
readiness event needs (``read()`` decrypts everything fed so far), and
``feed`` / ``data_to_send`` are the BIOs' own bound methods.

Errors: "needs more ciphertext" is never raised (the methods return what
they could do); any other ``ssl.SSLError`` (or ``CertificateError``)
propagates to the owner.
"""

from __future__ import annotations

import ssl
from collections import deque
from typing import Any

from loop_core import BytesLike

__all__ = ["AGAIN", "RecordPump"]

# What SSLObject raises when it needs more ciphertext (as asyncio treats it).
AGAIN = (ssl.SSLWantReadError, ssl.SSLSyscallError)

PLAIN_CHUNK = 64 * 1024  # one SSLObject.read(); a record holds at most 16 KiB


class RecordPump:
    """The records of one TLS session, in memory."""

    __slots__ = (
        "_backlog",
        "_backlog_size",
        "_incoming",
        "_outgoing",
        "_sslobj",
        "_wrapped",
        "data_to_send",
        "feed",
    )

    def __init__(
        self,
        context: ssl.SSLContext,
        *,
        server_side: bool = False,
        server_hostname: str | None = None,
    ) -> None:
        self._incoming = incoming = ssl.MemoryBIO()
        self._outgoing = outgoing = ssl.MemoryBIO()
        self._sslobj = context.wrap_bio(
            incoming,
            outgoing,
            server_side=server_side,
            server_hostname=None if server_side else (server_hostname or None),
        )
        #: Ciphertext received from the peer, for the session to read.
        self.feed = incoming.write
        #: All the ciphertext made so far and not taken (``b""`` if none).
        self.data_to_send = outgoing.read
        # Plaintext write() accepted that SSLObject has not taken yet:
        # before the handshake ends, or while SSLObject wants to read.
        self._backlog: deque[BytesLike] = deque()
        self._backlog_size = 0
        # The handshake is done: write() encrypts at once. Before that a
        # write would start the handshake behind the owner's back.
        self._wrapped = False

    @property
    def ssl_object(self) -> ssl.SSLObject:
        return self._sslobj

    @property
    def incoming_size(self) -> int:
        """Ciphertext fed and not decrypted yet."""
        return self._incoming.pending

    @property
    def outgoing_size(self) -> int:
        """Ciphertext made and not taken by ``data_to_send()`` yet."""
        return self._outgoing.pending

    @property
    def backlog_size(self) -> int:
        """Plaintext accepted by ``write()`` and not encrypted yet."""
        return self._backlog_size

    def buffer_size(self) -> int:
        """Everything written and not taken yet: ciphertext and backlog.
        What asyncio calls a TLS transport's write buffer size."""
        return self._outgoing.pending + self._backlog_size

    def has_input(self) -> bool:
        """Whether a read may return more: ciphertext not decrypted yet,
        or plaintext SSLObject decrypted and holds."""
        return bool(self._incoming.pending or self._sslobj.pending())

    # -- handshake and shutdown ---------------------------------------------

    def handshake(self) -> bool:
        """Advance the handshake: True once it is done, False while it
        waits for the peer (send ``data_to_send()`` first)."""
        try:
            self._sslobj.do_handshake()
        except AGAIN:
            return False
        self._wrapped = True
        return True

    def session_info(self) -> dict[str, Any]:
        """What asyncio's TLS transports give through ``get_extra_info``."""
        sslobj = self._sslobj
        return {
            "peercert": sslobj.getpeercert(),
            "cipher": sslobj.cipher(),
            "compression": sslobj.compression(),
            "ssl_object": sslobj,
        }

    def shutdown(self) -> bool:
        """Send close_notify and wait for the peer's: True once both are
        done, False while it waits (send ``data_to_send()`` first)."""
        try:
            self._sslobj.unwrap()
        except AGAIN:
            return False
        return True

    def discard_output(self) -> None:
        """Forget what was written and not taken: the connection is gone."""
        self._backlog.clear()
        self._backlog_size = 0
        self._outgoing.read()

    # -- plaintext ----------------------------------------------------------

    def write(self, data: BytesLike) -> None:
        """Encrypt ``data`` (its ciphertext waits for ``data_to_send()``);
        what SSLObject cannot take yet waits in the backlog, in order."""
        if self._wrapped and not self._backlog:
            try:
                count = self._sslobj.write(data)
            except AGAIN:
                count = 0
            if count < len(data):
                rest = bytes(data[count:])
                self._backlog.append(rest)
                self._backlog_size += len(rest)
            return
        if type(data) is not bytes:
            data = bytes(data)  # the caller may reuse its buffer
        self._backlog.append(data)
        self._backlog_size += len(data)
        if self._wrapped:
            self.write_backlog()

    def write_backlog(self) -> None:
        """Encrypt what waits in the backlog, as far as SSLObject takes it."""
        backlog = self._backlog
        write = self._sslobj.write
        try:
            while backlog:
                data = backlog[0]
                count = write(data)
                if count < len(data):
                    backlog[0] = data[count:]
                    self._backlog_size -= count
                else:
                    backlog.popleft()
                    self._backlog_size -= len(data)
        except AGAIN:
            pass

    def read(self) -> tuple[bytes, bool]:
        """All the plaintext the fed ciphertext holds (``b""`` if none),
        and whether the peer's close_notify came after it."""
        sslobj = self._sslobj
        read = sslobj.read
        try:
            first = read(PLAIN_CHUNK)
        except AGAIN:
            return b"", False
        if not first:
            return first, True
        incoming = self._incoming
        chunks: list[bytes] | None = None
        eof = False
        try:
            # Stop once both BIO and SSL object are empty: the read after
            # that would only raise SSLWantReadError, which costs.
            while incoming.pending or sslobj.pending():
                chunk = read(PLAIN_CHUNK)
                if not chunk:
                    eof = True
                    break
                if chunks is None:
                    chunks = [first, chunk]
                else:
                    chunks.append(chunk)
        except AGAIN:
            pass
        return (first if chunks is None else b"".join(chunks)), eof

    def read_into(self, buffer: memoryview) -> tuple[int, bool]:
        """Decrypt into ``buffer`` until it is full or the input runs out:
        the count of bytes written, and whether close_notify came."""
        sslobj = self._sslobj
        read: Any = sslobj.read  # (len, buffer) -> int, whatever stubs say
        incoming = self._incoming
        wants = len(buffer)
        offset = 0
        try:
            while offset < wants:
                count = read(wants - offset, buffer[offset:])
                if not count:
                    return offset, True
                offset += count
                if not (incoming.pending or sslobj.pending()):
                    break
        except AGAIN:
            pass
        return offset, False
