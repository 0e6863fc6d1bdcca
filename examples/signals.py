"""Signal handlers for SIGINT and SIGTERM; the program sends SIGTERM to
itself after a moment, and the handler ends it cleanly."""

import asyncio
import functools
import os
import signal

import loop_core


def ask_exit(signame, stop):
    print(f"got signal {signame}: exit")
    stop.set()


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signame in ("SIGINT", "SIGTERM"):
        loop.add_signal_handler(
            getattr(signal, signame), functools.partial(ask_exit, signame, stop)
        )
    print(f"pid {os.getpid()}: sending myself SIGTERM in 0.1 s")
    loop.call_later(0.1, os.kill, os.getpid(), signal.SIGTERM)
    await stop.wait()


with asyncio.Runner(loop_factory=loop_core.new_event_loop) as runner:
    runner.run(main())
