"""``python -m loop_observe [options] script.py [args]``: run an unchanged
asyncio program on our loop (as ``python -m loop_policy`` does) with every
loop it makes observed: the blocking detector on, a live view on stderr,
optionally a Prometheus endpoint, and a summary at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import runpy
import sys
import threading
import weakref
from typing import TextIO

import loop_core

from ._detector import BlockingReport, detect_blocking
from ._prometheus import serve_prometheus
from ._stats import Stats, attach, stats

__all__ = ["main"]

PROG = "python -m loop_observe"


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run an unchanged asyncio program on loop-core's loop and "
        "watch it: blocking reports, a live view, a summary at exit.",
        usage=f"{PROG} [options] (script.py | -m module | -c code) [args ...]",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=100.0,
        metavar="MS",
        help="report a callback or task step blocking longer (default 100 ms)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="S",
        help="live view refresh (default 1 s; 0 turns the view off)",
    )
    parser.add_argument(
        "--prometheus",
        type=int,
        default=None,
        metavar="PORT",
        help="serve metrics on http://127.0.0.1:PORT/ from the first loop",
    )
    # Options with a separate value: step over the value too.
    own: list[str] = []
    rest = list(argv)
    while rest and rest[0].startswith("--"):
        option = rest.pop(0)
        own.append(option)
        takes_value = option in ("--threshold", "--interval", "--prometheus")
        if takes_value and rest:
            own.append(rest.pop(0))
        if option in ("-h", "--help"):
            break
    if rest and rest[0] in ("-h", "--help"):
        own.append(rest.pop(0))
    options = parser.parse_args(own)
    if not rest:
        parser.error("a script, -m module or -c code is required")
    return options, rest


class Session:
    """Every loop the program makes, observed."""

    def __init__(self, options: argparse.Namespace, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.loops: list[tuple[str, weakref.ref[asyncio.AbstractEventLoop]]] = []
        self.reports: list[BlockingReport] = []
        self.final: dict[str, Stats] = {}
        self._stop = threading.Event()

    def observe(self, loop: asyncio.AbstractEventLoop) -> None:
        label = str(len(self.loops))
        self.loops.append((label, weakref.ref(loop)))
        attach(loop)
        detect_blocking(
            loop, self.options.threshold / 1000, callback=self.reports.append
        )
        if self.options.prometheus is not None and label == "0":

            async def serve() -> None:
                await serve_prometheus(
                    loop, port=self.options.prometheus, loops=self.live
                )

            loop.call_soon(lambda: loop.create_task(serve()))
        close = loop.close

        def close_and_remember() -> None:
            if not loop.is_closed():
                self.final[label] = stats(loop)
            close()

        loop.close = close_and_remember  # type: ignore[method-assign]

    def live(self) -> list[tuple[str, asyncio.AbstractEventLoop]]:
        found = []
        for label, ref in self.loops:
            loop = ref()
            if loop is not None and not loop.is_closed():
                found.append((label, loop))
        return found

    def line(self, label: str, s: Stats) -> str:
        return (
            f"loop {label}: {s.iterations} iterations, {s.callbacks} callbacks, "
            f"busy {s.busy_fraction:.0%}, ready {s.ready}, timers {s.timers}, "
            f"fds {s.fds}, tasks {s.tasks}, lag p99 {s.lag_p99 * 1000:.1f} ms "
            f"(max {s.lag_max * 1000:.1f}), slow callbacks {s.slow_callbacks}"
        )

    def view(self) -> None:
        tty = self.out.isatty()
        while not self._stop.wait(self.options.interval):
            lines = [self.line(label, stats(loop)) for label, loop in self.live()]
            for report in self.reports[-3:] if tty else ():
                lines += str(report).splitlines()
            if not lines:
                continue
            if tty:
                self.out.write("\x1b[H\x1b[2J" + f"{PROG}\n" + "\n".join(lines) + "\n")
            else:
                self.out.write("".join(f"[loop_observe] {x}\n" for x in lines))
            self.out.flush()

    def summary(self) -> None:
        self._stop.set()
        for label, loop in self.live():
            self.final[label] = stats(loop)
        lines = [f"{PROG} summary:"]
        lines += [f"  {self.line(label, s)}" for label, s in sorted(self.final.items())]
        lines.append(f"  blocking reports: {len(self.reports)}")
        places: dict[str, int] = {}
        for report in self.reports:
            places[report.location] = places.get(report.location, 0) + 1
        for place, count in sorted(places.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {count} x {place}")
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()


def main(argv: list[str] | None = None) -> None:
    options, program = _parse(list(sys.argv[1:] if argv is None else argv))
    session = Session(options, sys.stderr)
    make = loop_core.new_event_loop

    def observed_loop() -> loop_core.EventLoop:
        loop = make()
        session.observe(loop)
        return loop

    # Every path to our loop (loop_policy's policy and hook, programs that
    # call loop_core.new_event_loop) goes through this module attribute.
    loop_core.new_event_loop = observed_loop
    atexit.register(session.summary)
    if options.interval > 0:
        threading.Thread(
            target=session.view, name="loop_observe-view", daemon=True
        ).start()
    sys.argv = [f"{sys.executable} -m loop_policy", *program]
    runpy.run_module("loop_policy", run_name="__main__", alter_sys=True)
