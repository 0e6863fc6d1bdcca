"""Every public method of asyncio's loop has the same shape on ours:
parameter names, kinds and defaults, and whether it is a coroutine
function. Code that passes arguments by keyword (``sock_recv(sock, n=...)``)
or checks a parameter before using it (``"all_errors" in
inspect.signature(loop.create_connection).parameters``) then behaves the
same on both loops.

Newer Pythons' parameters that ours accepts on older ones too are listed
in ``OURS_ON_EVERY_PYTHON`` (each is in its package README's "Differences
from asyncio"); elsewhere the shapes are equal.

Methods whose distribution is not installed here are skipped; the
loop-core stubs' own shape is tested in loop-core.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import loop_core
import pytest
from installed import INSTALLED, PROVIDES
from loop_core import extensions

pytestmark = pytest.mark.timeout(60)

NOT_INSTALLED = {
    method
    for dist, methods in PROVIDES.items()
    if dist not in INSTALLED
    for method in methods
}
# The class asyncio.new_event_loop() makes here (Unix), with what it inherits.
THEIRS = asyncio.SelectorEventLoop
PUBLIC = sorted(
    name
    for name in dir(THEIRS)
    if not name.startswith("_") and callable(getattr(THEIRS, name))
)

# Parameters a later asyncio added, that ours takes on every Python.
OURS_ON_EVERY_PYTHON: dict[str, set[str]] = {
    "create_connection": {"all_errors"},  # asyncio 3.12
    "create_server": {"keep_alive"},  # asyncio 3.13
    "create_unix_server": {"cleanup_socket"},  # asyncio 3.13
    "shutdown_default_executor": {"timeout"},  # asyncio 3.12
}


def _shape(method: Any) -> list[tuple[str, Any, Any]]:
    """The parameters after the loop itself (``self``, or ``loop`` in an
    extension's provider function), without annotations."""
    params = list(inspect.signature(method).parameters.values())
    return [(p.name, p.kind, p.default) for p in params]


@pytest.mark.parametrize("name", PUBLIC)
def test_method_shape_matches_asyncio(loop, name):
    if name in NOT_INSTALLED:
        pytest.skip(f"{name}: its distribution is not installed here")
    if name in extensions.STUB_METHODS and type(loop) is loop_core.EventLoop:
        extensions.resolve(name)  # the provider's shape, not the stub's
    theirs = getattr(THEIRS, name).__get__(loop)
    ours = getattr(loop, name)
    theirs_shape = _shape(theirs)
    names = {param[0] for param in theirs_shape}
    extra = OURS_ON_EVERY_PYTHON.get(name, set()) - names
    assert [p for p in _shape(ours) if p[0] not in extra] == theirs_shape
    assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs)


def _compare_public(
    theirs_cls: type, ours: Any, extra: frozenset[str] = frozenset()
) -> list[str]:
    """Differences between the public methods of asyncio's class and those
    of ``ours`` (an instance, or a class)."""
    ours_cls = ours if isinstance(ours, type) else type(ours)
    problems = []
    for name in dir(theirs_cls):
        theirs = getattr(theirs_cls, name)
        if name.startswith("_") or not callable(theirs) or isinstance(theirs, type):
            continue
        mine = getattr(ours_cls, name, None)
        if mine is None:
            problems.append(f"{name}: missing")
            continue
        names = {p[0] for p in _shape(theirs)}
        got = [p for p in _shape(mine) if p[0] not in extra - names]
        if got != _shape(theirs):
            problems.append(
                f"{name}{inspect.signature(mine)} != {inspect.signature(theirs)}"
            )
        if inspect.iscoroutinefunction(mine) != inspect.iscoroutinefunction(theirs):
            problems.append(f"{name}: coroutine function differs")
    return problems


def test_objects_match_asyncio_classes(loop, server_ctx, client_ctx):
    """Servers, transports and handles a program gets from the loop have
    the public methods of the asyncio classes it would get, same shapes."""
    from asyncio import base_events, selector_events, sslproto

    if "loop-transports" not in INSTALLED:
        pytest.skip("needs loop-transports")
    seen: dict[str, list[str]] = {}

    async def main() -> None:
        ended: list[asyncio.Future[None]] = []
        both_accepted = loop.create_future()

        class Accepted(asyncio.Protocol):
            def __init__(self) -> None:
                self.lost = loop.create_future()
                ended.append(self.lost)
                if len(ended) == 2:
                    both_accepted.set_result(None)

            def connection_lost(self, exc: BaseException | None) -> None:
                self.lost.set_result(None)

        server = await loop.create_server(Accepted, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        plain_server = await loop.create_server(Accepted, "127.0.0.1", 0)
        plain_port = plain_server.sockets[0].getsockname()[1]
        tls, _ = await loop.create_connection(
            asyncio.Protocol, "127.0.0.1", port, ssl=client_ctx
        )
        tcp, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", plain_port)
        udp, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        timer = loop.call_later(3600, print)
        handle = loop.call_soon(print)
        try:
            seen["Server"] = _compare_public(base_events.Server, server)
            seen["TCP"] = _compare_public(selector_events._SelectorSocketTransport, tcp)
            seen["UDP"] = _compare_public(
                selector_events._SelectorDatagramTransport, udp
            )
            seen["TLS"] = _compare_public(sslproto._SSLProtocolTransport, tls)
            seen["TimerHandle"] = _compare_public(asyncio.TimerHandle, timer)
            seen["Handle"] = _compare_public(asyncio.Handle, handle)
        finally:
            timer.cancel()
            handle.cancel()
            for transport in (tls, tcp, udp):
                transport.close()
            # Both accepted connections end before the servers close
            # (asyncio 3.11's wait_closed() does not wait for them).
            await both_accepted
            await asyncio.gather(*ended)
            for srv in (server, plain_server):
                srv.close()
                await srv.wait_closed()

    loop.run_until_complete(asyncio.wait_for(main(), 30))
    assert {kind: found for kind, found in seen.items() if found} == {}


def test_subprocess_objects_match_asyncio_classes(loop):
    from asyncio import base_subprocess, unix_events

    if "loop-subprocess" not in INSTALLED:
        pytest.skip("needs loop-subprocess")
    seen: dict[str, list[str]] = {}

    class Child(asyncio.SubprocessProtocol):
        def __init__(self) -> None:
            self.exited = loop.create_future()

        def process_exited(self) -> None:
            self.exited.set_result(None)

    async def main() -> None:
        transport, child = await loop.subprocess_exec(Child, "cat", stdin=-1, stdout=-1)
        try:
            seen["Subprocess"] = _compare_public(
                base_subprocess.BaseSubprocessTransport, transport
            )
            seen["ReadPipe"] = _compare_public(
                unix_events._UnixReadPipeTransport, transport.get_pipe_transport(1)
            )
            seen["WritePipe"] = _compare_public(
                unix_events._UnixWritePipeTransport, transport.get_pipe_transport(0)
            )
        finally:
            transport.close()
            await child.exited

    loop.run_until_complete(asyncio.wait_for(main(), 30))
    assert {kind: found for kind, found in seen.items() if found} == {}


def test_streams_match_asyncio_classes():
    loop_streams = pytest.importorskip("loop_streams")
    extra = frozenset({"ssl_shutdown_timeout"})  # start_tls: asyncio 3.12 (README)
    found = {
        "StreamReader": _compare_public(
            asyncio.StreamReader, loop_streams.StreamReader
        ),
        "StreamWriter": _compare_public(
            asyncio.StreamWriter, loop_streams.StreamWriter, extra
        ),
    }
    assert {kind: f for kind, f in found.items() if f} == {}
