"""Stand-ins for the loop methods other distributions provide.

``ExtensionMethods`` holds one stub per method; each resolves its provider
on first call (see ``extensions``), which then replaces the stub on this
class, and calls it. With nothing installed a stub raises
NotImplementedError naming the distribution to install. Type checkers see
asyncio's signatures instead (see the class body).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import extensions

__all__ = ["ExtensionMethods", "make_stub"]


def make_stub(name: str) -> Callable[..., Any]:
    def stub(self: Any, *args: Any, **kwargs: Any) -> Any:
        return extensions.resolve(name)(self, *args, **kwargs)

    # Until its first call resolves it, the stub is what introspection sees
    # (help(), inspect.signature, feature checks such as "does
    # create_connection take all_errors?"): it shows what asyncio's own loop
    # shows on the running Python, as the provider that replaces it will.
    # (asyncio's Unix loop class, not AbstractEventLoop: create_connection's
    # all_errors and create_unix_server's cleanup_socket are only there.)
    model = getattr(asyncio.SelectorEventLoop, name)
    stub.__signature__ = inspect.signature(model)  # type: ignore[attr-defined]
    if inspect.iscoroutinefunction(model) and hasattr(inspect, "markcoroutinefunction"):
        inspect.markcoroutinefunction(stub)  # 3.12+; 3.11 has no marker
    stub.__name__ = name
    stub.__qualname__ = f"EventLoop.{name}"
    stub.__doc__ = (
        f"asyncio's {name}(), provided by an installed extension. "
        f"{extensions.missing_message(name)} if none is."
    )
    return stub


class ExtensionMethods:
    # Type checkers see asyncio's own signatures (typeshed's, through
    # AbstractEventLoop), so a wrong call is flagged and reveal_type shows
    # the real signature; at run time each is a stub that resolves.
    if TYPE_CHECKING:
        create_connection = asyncio.AbstractEventLoop.create_connection
        create_server = asyncio.AbstractEventLoop.create_server
        create_unix_connection = asyncio.AbstractEventLoop.create_unix_connection
        create_unix_server = asyncio.AbstractEventLoop.create_unix_server
        create_datagram_endpoint = asyncio.AbstractEventLoop.create_datagram_endpoint
        connect_accepted_socket = asyncio.AbstractEventLoop.connect_accepted_socket
        sendfile = asyncio.AbstractEventLoop.sendfile
        start_tls = asyncio.AbstractEventLoop.start_tls
        subprocess_exec = asyncio.AbstractEventLoop.subprocess_exec
        subprocess_shell = asyncio.AbstractEventLoop.subprocess_shell
        connect_read_pipe = asyncio.AbstractEventLoop.connect_read_pipe
        connect_write_pipe = asyncio.AbstractEventLoop.connect_write_pipe
    else:
        create_connection = make_stub("create_connection")
        create_server = make_stub("create_server")
        create_unix_connection = make_stub("create_unix_connection")
        create_unix_server = make_stub("create_unix_server")
        create_datagram_endpoint = make_stub("create_datagram_endpoint")
        connect_accepted_socket = make_stub("connect_accepted_socket")
        sendfile = make_stub("sendfile")
        start_tls = make_stub("start_tls")
        subprocess_exec = make_stub("subprocess_exec")
        subprocess_shell = make_stub("subprocess_shell")
        connect_read_pipe = make_stub("connect_read_pipe")
        connect_write_pipe = make_stub("connect_write_pipe")

    def extension(self, name: str) -> Callable[..., Any]:
        """A method an installed plugin adds under ``name`` (one asyncio does
        not have), bound to this loop."""
        provider = extensions.resolve(name)

        def bound(*args: Any, **kwargs: Any) -> Any:
            return provider(self, *args, **kwargs)

        bound.__name__ = name
        bound.__doc__ = provider.__doc__
        return bound


assert set(extensions.STUB_METHODS) == {
    name
    for name in vars(ExtensionMethods)
    if not name.startswith("_") and name != "extension"
}
extensions._targets.append(ExtensionMethods)
