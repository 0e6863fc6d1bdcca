"""subprocess_exec and subprocess_shell: loop-core extension providers,
called as ``provider(loop, protocol_factory, ...)``.

The arguments are checked as asyncio checks them (ValueError for text
mode, buffering or a ``shell=`` that contradicts the method; ValueError for
a shell command that is not str or bytes); everything else (``cwd``,
``env``, ``pass_fds``, ``start_new_session``, ``preexec_fn``,
``process_group``, ...) goes to ``subprocess.Popen`` unchanged, so the
stdlib raises what it raises. The coroutine returns once the protocol's
``connection_made`` has run; if it is cancelled or fails after the child
started, the child is killed and waited for before the error propagates.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from typing import Any

from ._transport import SubprocessTransport

__all__ = ["subprocess_exec", "subprocess_shell"]

ProtocolFactory = Callable[[], asyncio.SubprocessProtocol]
_PIPE = subprocess.PIPE


def _check(
    universal_newlines: bool,
    shell: bool,
    want_shell: bool,
    bufsize: int,
    text: bool | None,
    encoding: str | None,
    errors: str | None,
) -> None:
    # In asyncio's order, so that of two wrong arguments the same one is named.
    if universal_newlines:
        raise ValueError("universal_newlines must be False")
    if bool(shell) != want_shell:
        raise ValueError(f"shell must be {want_shell}")
    if bufsize != 0:
        raise ValueError("bufsize must be 0")
    if text:
        raise ValueError("text must be False")
    if encoding is not None:
        raise ValueError("encoding must be None")
    if errors is not None:
        raise ValueError("errors must be None")


async def subprocess_exec(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    program: Any,
    *args: Any,
    stdin: Any = _PIPE,
    stdout: Any = _PIPE,
    stderr: Any = _PIPE,
    universal_newlines: bool = False,
    shell: bool = False,
    bufsize: int = 0,
    encoding: str | None = None,
    errors: str | None = None,
    text: bool | None = None,
    **kwargs: Any,
) -> tuple[SubprocessTransport, asyncio.SubprocessProtocol]:
    """Run ``program`` with ``args`` (no shell)."""
    _check(universal_newlines, shell, False, bufsize, text, encoding, errors)
    protocol = protocol_factory()
    transport = await _start(
        loop, protocol, (program, *args), False, stdin, stdout, stderr, kwargs
    )
    return transport, protocol


async def subprocess_shell(
    loop: asyncio.AbstractEventLoop,
    protocol_factory: ProtocolFactory,
    cmd: str | bytes,
    *,
    stdin: Any = _PIPE,
    stdout: Any = _PIPE,
    stderr: Any = _PIPE,
    universal_newlines: bool = False,
    shell: bool = True,
    bufsize: int = 0,
    encoding: str | None = None,
    errors: str | None = None,
    text: bool | None = None,
    **kwargs: Any,
) -> tuple[SubprocessTransport, asyncio.SubprocessProtocol]:
    """Run ``cmd`` with the shell (``/bin/sh -c cmd``)."""
    if not isinstance(cmd, (bytes, str)):
        raise ValueError("cmd must be a string")
    _check(universal_newlines, shell, True, bufsize, text, encoding, errors)
    protocol = protocol_factory()
    transport = await _start(loop, protocol, cmd, True, stdin, stdout, stderr, kwargs)
    return transport, protocol


async def _start(
    loop: asyncio.AbstractEventLoop,
    protocol: asyncio.SubprocessProtocol,
    args: Any,
    shell: bool,
    stdin: Any,
    stdout: Any,
    stderr: Any,
    kwargs: dict[str, Any],
) -> SubprocessTransport:
    waiter: asyncio.Future[None] = loop.create_future()
    transport = SubprocessTransport(
        loop, protocol, args, shell, stdin, stdout, stderr, waiter=waiter, **kwargs
    )
    try:
        await waiter
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException:
        transport.close()
        await transport._wait()
        raise
    return transport
