"""What every HTTP benchmark server shares: its command line, the CPU it is
pinned to, and the line that tells the driver it is ready.

A server is a separate process so that its CPU time can be read from
``/proc/<pid>/stat`` without counting wrk or the driver, and so that a PyPy
server can run inside the chroot of ``newer-pythons.sh`` while wrk runs on
the host. The driver learns the server's pid from the ready line rather than
from ``Popen.pid``: through the chroot wrapper the two need not be the same
process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from loops import LOOP_NAMES, factory

HOST = "127.0.0.1"  # loopback only: a benchmark server is never reachable
READY = "ready"  # first word of the line the driver waits for
# wrk opens up to 1024 connections at once; a short accept queue would turn
# a slow accept into connect errors instead of measuring it.
BACKLOG = 4096


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """``--loop``, ``--port`` (0: any free one, reported on the ready line)
    and ``--cpu`` (pin this process to that CPU)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--loop", choices=LOOP_NAMES, default="asyncio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, help="run on this CPU only")
    parser.add_argument(
        "--body-size", type=int, default=0, help="response body bytes (0: hello)"
    )
    return parser.parse_args(argv)


def announce(port: int) -> None:
    """Tell the driver this server accepts connections: pid, port, and the
    loop class actually running (a framework could have swapped it)."""
    loop = type(asyncio.get_running_loop())
    print(
        f"{READY} pid={os.getpid()} port={port} loop={loop.__module__}.{loop.__name__}",
        flush=True,
    )


def run(
    description: str, serve: Callable[[argparse.Namespace], Coroutine[Any, Any, None]]
) -> None:
    """Parse the command line, pin the CPU, and run ``serve(args)`` on the
    chosen loop until the process is terminated."""
    args = parse_args(description)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    try:
        loop_factory = factory(args.loop)
    except ImportError as exc:
        sys.exit(f"{args.loop}: {exc}")
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        try:
            runner.run(serve(args))
        except KeyboardInterrupt:
            pass
