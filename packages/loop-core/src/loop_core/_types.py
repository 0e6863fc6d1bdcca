"""Type aliases shared by the packages' signatures.

One definition, so that a transport's ``write()``, a reader's
``feed_data()`` and the hooks beneath them agree on what they accept.
"""

from __future__ import annotations

__all__ = ["BytesLike"]

#: What writes and feeds accept: the bytes-like objects asyncio's
#: transports take (``collections.abc.Buffer`` needs 3.12).
BytesLike = bytes | bytearray | memoryview
