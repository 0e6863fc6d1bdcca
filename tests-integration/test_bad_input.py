"""Bad input, table-driven: every public method of asyncio.AbstractEventLoop
is called with wrong types and values, on an open loop and on a closed one,
on our loop and on asyncio's, and must fail with the same exception type.

Every method is in the table or in ``NOT_TABLED`` with the reason, so a
method asyncio adds cannot be missed silently. A method whose distribution
is not installed here is skipped (the integration matrix installs subsets).
Where ours is deliberately stricter, the case is in ``OURS_STRICTER`` and
listed in the READMEs.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import socket
import ssl
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import loop_core
import pytest
from installed import INSTALLED, PROVIDES
from loop_core.testing import gc_collect

pytestmark = [pytest.mark.ours_only, pytest.mark.timeout(60)]

P = asyncio.Protocol
D = asyncio.DatagramProtocol
S = asyncio.SubprocessProtocol


def _noop(*args: Any) -> None:
    pass


async def _coro() -> None:
    pass


def _with_coro(method: Callable[[Any], Any]) -> Any:
    """``method(coroutine)``; the coroutine closed if it is refused."""
    coro = _coro()
    try:
        return method(coro)
    except BaseException:
        coro.close()
        raise


class Fixtures:
    """What the cases are made of: sockets, a file, fresh per loop."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setblocking(False)
        self.file = tempfile.TemporaryFile()
        self.file.write(b"x" * 10)
        self.file.seek(0)
        self.ctx = ssl.create_default_context()

    def close(self) -> None:
        self.sock.close()
        self.udp.close()
        self.file.close()


Case = Callable[[asyncio.AbstractEventLoop, Fixtures], Any]

# method -> the bad calls made of it (each returns what the method returns:
# a value, or a coroutine, which is then run).
CASES: dict[str, list[Case]] = {
    "run_until_complete": [lambda lp, f: lp.run_until_complete(123)],
    "call_soon": [
        lambda lp, f: lp.call_soon(123),
        lambda lp, f: lp.call_soon(_coro),
    ],
    "call_soon_threadsafe": [lambda lp, f: lp.call_soon_threadsafe(123)],
    "call_later": [
        lambda lp, f: lp.call_later(None, _noop),
        lambda lp, f: lp.call_later("1", _noop),
        lambda lp, f: lp.call_later(1, 123),
    ],
    "call_at": [lambda lp, f: lp.call_at(None, _noop)],
    "create_task": [lambda lp, f: lp.create_task(123)],
    "run_in_executor": [lambda lp, f: lp.run_in_executor(None, 123)],
    "set_default_executor": [lambda lp, f: lp.set_default_executor(123)],
    "getaddrinfo": [
        lambda lp, f: lp.getaddrinfo(123, 80),
        lambda lp, f: lp.getaddrinfo("127.0.0.1", "no-such-service-here"),
    ],
    "getnameinfo": [
        lambda lp, f: lp.getnameinfo("127.0.0.1"),
        lambda lp, f: lp.getnameinfo(("127.0.0.1", 80), "x"),
    ],
    "add_reader": [
        lambda lp, f: lp.add_reader("x", _noop),
        lambda lp, f: lp.add_reader(-1, _noop),
        lambda lp, f: lp.add_reader(f.sock, 123),
    ],
    "remove_reader": [
        lambda lp, f: lp.remove_reader("x"),
        lambda lp, f: lp.remove_reader(-1),
    ],
    "add_writer": [
        lambda lp, f: lp.add_writer("x", _noop),
        lambda lp, f: lp.add_writer(f.sock, 123),
    ],
    "remove_writer": [lambda lp, f: lp.remove_writer("x")],
    "sock_recv": [lambda lp, f: lp.sock_recv(f.sock, "x")],
    "sock_recv_into": [lambda lp, f: lp.sock_recv_into(f.sock, b"immutable")],
    "sock_recvfrom": [lambda lp, f: lp.sock_recvfrom(f.udp, "x")],
    "sock_recvfrom_into": [
        lambda lp, f: lp.sock_recvfrom_into(f.udp, b"immutable"),
    ],
    "sock_sendall": [lambda lp, f: lp.sock_sendall(f.sock, 123)],
    "sock_sendto": [
        lambda lp, f: lp.sock_sendto(f.udp, 123, ("127.0.0.1", 9)),
    ],
    "sock_connect": [lambda lp, f: lp.sock_connect(f.sock, 123)],
    "sock_accept": [lambda lp, f: lp.sock_accept(f.udp)],
    "sock_sendfile": [
        lambda lp, f: lp.sock_sendfile(f.sock, f.file, offset=-1),
        lambda lp, f: lp.sock_sendfile(f.sock, f.file, count=0),
        lambda lp, f: lp.sock_sendfile(f.sock, f.file, offset="x"),
        lambda lp, f: lp.sock_sendfile(f.udp, f.file),
    ],
    "add_signal_handler": [
        lambda lp, f: lp.add_signal_handler(999, _noop),
        lambda lp, f: lp.add_signal_handler(signal.SIGUSR1, 123),
        lambda lp, f: lp.add_signal_handler(signal.SIGKILL, _noop),
        lambda lp, f: lp.add_signal_handler(signal.SIGUSR1, _coro),
    ],
    "remove_signal_handler": [lambda lp, f: lp.remove_signal_handler(999)],
    "set_task_factory": [lambda lp, f: lp.set_task_factory(123)],
    "set_exception_handler": [lambda lp, f: lp.set_exception_handler(123)],
    "create_connection": [
        lambda lp, f: lp.create_connection(P),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", 70000),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", -1),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", 1, sock=f.sock),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", 1, server_hostname="x"),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", 1, ssl_handshake_timeout=1),
        lambda lp, f: lp.create_connection(P, sock=f.udp),
        lambda lp, f: lp.create_connection(P, sock=object()),
        lambda lp, f: lp.create_connection(P, "127.0.0.1", 1, ssl=123),
    ],
    "create_server": [
        lambda lp, f: lp.create_server(P, "127.0.0.1", 70000),
        lambda lp, f: lp.create_server(P, "127.0.0.1", 0, sock=f.sock),
        lambda lp, f: lp.create_server(P, sock=f.udp),
        lambda lp, f: lp.create_server(P, "127.0.0.1", 0, ssl_handshake_timeout=1),
        lambda lp, f: lp.create_server(P, "127.0.0.1", 0, ssl=123),
    ],
    "create_unix_connection": [
        lambda lp, f: lp.create_unix_connection(P),
        lambda lp, f: lp.create_unix_connection(P, "/x", sock=f.sock),
        lambda lp, f: lp.create_unix_connection(P, "/x", server_hostname="x"),
    ],
    "create_unix_server": [
        lambda lp, f: lp.create_unix_server(P),
        lambda lp, f: lp.create_unix_server(P, sock=f.sock),
    ],
    "connect_accepted_socket": [
        lambda lp, f: lp.connect_accepted_socket(P, f.udp),
        lambda lp, f: lp.connect_accepted_socket(P, f.sock, ssl_handshake_timeout=1),
    ],
    "create_datagram_endpoint": [
        lambda lp, f: lp.create_datagram_endpoint(D, sock=f.sock),
        lambda lp, f: lp.create_datagram_endpoint(
            D, local_addr=("127.0.0.1", 0), sock=f.udp
        ),
        lambda lp, f: lp.create_datagram_endpoint(D, local_addr=("127.0.0.1", 70000)),
        lambda lp, f: lp.create_datagram_endpoint(D, local_addr=123),
    ],
    "start_tls": [
        lambda lp, f: lp.start_tls(object(), P(), f.ctx),
        lambda lp, f: lp.start_tls(object(), P(), 123),
    ],
    "sendfile": [lambda lp, f: lp.sendfile(object(), f.file)],
    "subprocess_exec": [
        lambda lp, f: lp.subprocess_exec(S, sys.executable, universal_newlines=True),
        lambda lp, f: lp.subprocess_exec(S, sys.executable, shell=True),
        lambda lp, f: lp.subprocess_exec(S, sys.executable, bufsize=1),
    ],
    "subprocess_shell": [
        lambda lp, f: lp.subprocess_shell(S, 123),
        lambda lp, f: lp.subprocess_shell(S, "true", shell=False),
        lambda lp, f: lp.subprocess_shell(S, "true", text=True),
    ],
    "connect_read_pipe": [lambda lp, f: lp.connect_read_pipe(P, 123)],
    "connect_write_pipe": [lambda lp, f: lp.connect_write_pipe(P, 123)],
}

# Valid calls for the closed loop: what a closed loop says to each.
CLOSED: dict[str, Case] = {
    "run_forever": lambda lp, f: lp.run_forever(),
    "run_until_complete": lambda lp, f: _with_coro(lp.run_until_complete),
    "call_soon": lambda lp, f: lp.call_soon(_noop),
    "call_soon_threadsafe": lambda lp, f: lp.call_soon_threadsafe(_noop),
    "call_later": lambda lp, f: lp.call_later(1, _noop),
    "call_at": lambda lp, f: lp.call_at(1, _noop),
    "create_task": lambda lp, f: _with_coro(lp.create_task),
    "run_in_executor": lambda lp, f: lp.run_in_executor(None, _noop),
    "add_reader": lambda lp, f: lp.add_reader(f.sock, _noop),
    "add_writer": lambda lp, f: lp.add_writer(f.sock, _noop),
    "remove_reader": lambda lp, f: lp.remove_reader(f.sock),
    "remove_writer": lambda lp, f: lp.remove_writer(f.sock),
    "add_reader-bad": lambda lp, f: lp.add_reader("x", _noop),
    "remove_reader-bad": lambda lp, f: lp.remove_reader("x"),
    "add_signal_handler": lambda lp, f: lp.add_signal_handler(signal.SIGUSR1, _noop),
    "add_signal_handler-None": lambda lp, f: lp.add_signal_handler(
        signal.SIGUSR1, None
    ),
    "remove_signal_handler": lambda lp, f: lp.remove_signal_handler(signal.SIGUSR1),
    "close": lambda lp, f: lp.close(),
    "stop": lambda lp, f: lp.stop(),
    "time": lambda lp, f: lp.time(),
    "create_future": lambda lp, f: lp.create_future(),
    "set_debug": lambda lp, f: lp.set_debug(False),
}

# Methods with no wrong input to try (no arguments, or any value accepted),
# with the reason.
NOT_TABLED: dict[str, str] = {
    "run_forever": "no arguments",
    "stop": "no arguments",
    "is_running": "no arguments",
    "is_closed": "no arguments",
    "close": "no arguments",
    "time": "no arguments",
    "create_future": "no arguments",
    "get_debug": "no arguments",
    "set_debug": "any value is taken for its truth",
    "get_task_factory": "no arguments",
    "get_exception_handler": "no arguments",
    "shutdown_asyncgens": "no arguments",
    "shutdown_default_executor": "a timeout only, of any number",
    "default_exception_handler": "any context is logged as it can be",
    "call_exception_handler": "any context is logged as it can be",
}

# (method, case index) where ours raises and asyncio does not, on purpose.
OURS_STRICTER: dict[tuple[str, int], str] = {
    ("call_soon", 0): "a non-callable is refused at once, not when it runs",
    ("call_soon_threadsafe", 0): "a non-callable is refused at once",
    ("call_later", 2): "a non-callable is refused at once",
    ("add_signal_handler", 1): "a non-callable is refused at once",
}


def _provider(name: str) -> str | None:
    for dist, methods in PROVIDES.items():
        if name in methods:
            return dist
    return None


def _skip_unless_provided(name: str) -> None:
    dist = _provider(name)
    if dist is not None and dist not in INSTALLED:
        pytest.skip(f"{name}() needs {dist}, not installed here")


def _close_result(value: Any) -> None:
    for item in value if isinstance(value, tuple) else (value,):
        close = getattr(item, "close", None)
        if isinstance(item, (asyncio.BaseTransport, asyncio.AbstractServer)):
            close()  # type: ignore[misc]


def _outcome(loop: asyncio.AbstractEventLoop, case: Case, f: Fixtures) -> str:
    """The exception type's name, or "ok"."""
    try:
        value = case(loop, f)
        if inspect.iscoroutine(value) or isinstance(value, asyncio.Future):
            if loop.is_closed():
                if inspect.iscoroutine(value):
                    value.close()
                return "ok (not run: closed loop)"
            value = loop.run_until_complete(asyncio.wait_for(value, 10))
        _close_result(value)
        if isinstance(value, asyncio.Handle):
            value.cancel()
        return "ok"
    except Exception as exc:
        return type(exc).__name__


@pytest.fixture
def both() -> Iterator[dict[str, tuple[asyncio.AbstractEventLoop, Fixtures]]]:
    loops = {
        "ours": (loop_core.new_event_loop(), Fixtures()),
        "asyncio": (asyncio.SelectorEventLoop(), Fixtures()),
    }
    for loop, _ in loops.values():
        loop.set_exception_handler(lambda _loop, _context: None)
    yield loops
    for loop, f in loops.values():
        if not loop.is_closed():
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
        f.close()


def _public_methods() -> set[str]:
    return {
        name
        for name, value in vars(asyncio.AbstractEventLoop).items()
        if callable(value) and not name.startswith("_")
    }


def test_every_method_is_tabled_or_says_why_not() -> None:
    missing = _public_methods() - set(CASES) - set(NOT_TABLED)
    assert not missing, f"add bad-input cases for: {sorted(missing)}"


# asyncio's pipe transports fail in __init__ before setting what their
# __del__ reads: an AttributeError at collection, asyncio's, not ours.
ASYNCIO_DEL_BUG = {"connect_read_pipe", "connect_write_pipe"}


@contextlib.contextmanager
def _asyncio_del_errors_ignored() -> Iterator[None]:
    def hook(unraisable: Any) -> None:
        tb = unraisable.exc_traceback
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_filename if tb is not None else ""
        if os.sep + "asyncio" + os.sep not in where:
            previous(unraisable)

    previous = sys.unraisablehook
    sys.unraisablehook = hook
    try:
        yield
        gc_collect()
    finally:
        sys.unraisablehook = previous


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises_what_asyncio_raises(name: str, both: Any) -> None:
    _skip_unless_provided(name)
    differences = []
    quiet = _asyncio_del_errors_ignored() if name in ASYNCIO_DEL_BUG else None
    with quiet or contextlib.nullcontext():
        for index, case in enumerate(CASES[name]):
            got = {kind: _outcome(loop, case, f) for kind, (loop, f) in both.items()}
            if got["ours"] != got["asyncio"] and (name, index) not in OURS_STRICTER:
                differences.append(f"case {index}: {got}")
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_closed_loop_answers_as_asyncio(name: str, both: Any) -> None:
    _skip_unless_provided(name.split("-")[0])
    got = {}
    for kind, (loop, f) in both.items():
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        got[kind] = _outcome(loop, CLOSED[name], f)
    assert got["ours"] == got["asyncio"], got
