"""What the suite measures, and on which loops.

One table of benchmarks (name, function, sizes, the ours/asyncio target the
issue asks for) and the loop factories, shared by ``run.py`` (the comparison)
and ``profile_loop.py`` (where our loop spends its time). Sizes are chosen so
that one sample on the stdlib loop takes roughly 0.25 s on the project's
2-core machine, and about half of that with ``--quick``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import bench_call_soon
import bench_sock_echo
import bench_streams
import bench_subprocess
import bench_timers
import bench_tls
import bench_transport_echo
import bench_udp_echo

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
BenchFunction = Callable[[asyncio.AbstractEventLoop, int], tuple[int, float]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    function: BenchFunction
    size: int  # operations per sample
    quick_size: int  # operations per sample with --quick
    unit: str  # what one operation is
    target: float | None  # ours/asyncio that the issue asks for

    @property
    def summary(self) -> str:
        """The first line of the benchmark function's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0]


BENCHMARKS: list[Benchmark] = [
    Benchmark(
        name="call_soon_chain",
        function=bench_call_soon.chain,
        size=100_000,
        quick_size=40_000,
        unit="callbacks",
        target=1.6,
    ),
    Benchmark(
        name="call_soon_chain_io",
        function=bench_call_soon.chain_io,
        size=100_000,
        quick_size=40_000,
        unit="callbacks",
        target=1.6,
    ),
    Benchmark(
        name="call_soon_fan",
        function=bench_call_soon.fan,
        size=250_000,
        quick_size=100_000,
        unit="callbacks",
        target=1.6,
    ),
    Benchmark(
        name="timers_spread",
        function=bench_timers.spread,
        size=50_000,
        quick_size=25_000,
        unit="timers",
        target=1.6,
    ),
    Benchmark(
        name="call_later_chain",
        function=bench_timers.later_chain,
        size=60_000,
        quick_size=30_000,
        unit="timers",
        target=1.6,
    ),
    Benchmark(
        name="sock_echo_tcp",
        function=bench_sock_echo.tcp,
        size=4_000,
        quick_size=2_000,
        unit="round trips",
        target=1.1,
    ),
    Benchmark(
        name="sock_echo_unix",
        function=bench_sock_echo.unix,
        size=5_000,
        quick_size=2_500,
        unit="round trips",
        target=1.1,
    ),
    # Protocols and transports (loop-transports on our loop).
    Benchmark(
        name="transport_echo_tcp",
        function=bench_transport_echo.tcp,
        size=12_000,
        quick_size=6_000,
        unit="round trips",
        target=1.2,
    ),
    Benchmark(
        name="transport_echo_unix",
        function=bench_transport_echo.unix,
        size=20_000,
        quick_size=10_000,
        unit="round trips",
        target=None,
    ),
    Benchmark(
        name="transport_bulk_tcp",
        function=bench_transport_echo.bulk,
        size=10_000,
        quick_size=5_000,
        unit="64 KiB writes",
        target=1.0,
    ),
    Benchmark(
        name="udp_echo",
        function=bench_udp_echo.echo,
        size=5_000,
        quick_size=2_500,
        unit="round trips",
        target=None,
    ),
    Benchmark(
        name="tls_pingpong",
        function=bench_tls.pingpong,
        size=4_000,
        quick_size=2_000,
        unit="round trips",
        target=1.0,
    ),
    Benchmark(
        name="tls_bulk",
        function=bench_tls.bulk,
        size=2_000,
        quick_size=1_000,
        unit="64 KiB chunks",
        target=None,
    ),
    # Streams: loop_streams on our loop, asyncio's streams on the others.
    Benchmark(
        name="streams_echo",
        function=bench_streams.echo,
        size=4_000,
        quick_size=2_000,
        unit="round trips",
        target=1.5,
    ),
    Benchmark(
        name="streams_echo_unix",
        function=bench_streams.echo_unix,
        size=10_000,
        quick_size=5_000,
        unit="round trips",
        target=None,
    ),
    Benchmark(
        name="streams_readline",
        function=bench_streams.readline,
        size=1_000,
        quick_size=500,
        unit="64 KiB lines",
        target=None,
    ),
    Benchmark(
        name="streams_bulk_read",
        function=bench_streams.bulk_read,
        size=1_500,
        quick_size=750,
        unit="64 KiB chunks",
        target=None,
    ),
    # Subprocesses (loop-subprocess on ours).
    Benchmark(
        name="subprocess_spawn",
        function=bench_subprocess.spawn,
        size=500,
        quick_size=200,
        unit="children",
        target=1.0,
    ),
    Benchmark(
        name="subprocess_pipe",
        function=bench_subprocess.pipe,
        size=64 * 1024 * 1024,
        quick_size=32 * 1024 * 1024,
        unit="bytes",
        target=1.0,
    ),
]


def loop_factories() -> tuple[dict[str, LoopFactory], dict[str, str]]:
    """The loops that can run here, in table order, and why any others cannot.

    A loop_core or uvloop that is not installed is skipped with a note; any
    other import error is a bug and propagates.
    """
    factories: dict[str, LoopFactory] = {}
    missing: dict[str, str] = {}
    try:
        import loop_core
    except ModuleNotFoundError as exc:
        if exc.name != "loop_core":
            raise
        missing["ours"] = (
            "loop_core is not installed: pip install -e packages/loop-core "
            "(or run: nox -s bench)"
        )
    else:
        factories["ours"] = loop_core.new_event_loop
        try:
            import loop_observe
        except ModuleNotFoundError as exc:
            if exc.name != "loop_observe":
                raise
            missing["observed"] = "loop_observe is not installed: skipped"
        else:

            def observed() -> asyncio.AbstractEventLoop:
                # Ours with loop-observe's metrics attached: their cost.
                loop = loop_core.new_event_loop()
                loop_observe.attach(loop)
                return loop

            factories["observed"] = observed
    factories["asyncio"] = asyncio.new_event_loop
    try:
        import uvloop
    except ModuleNotFoundError as exc:
        if exc.name != "uvloop":
            raise
        missing["uvloop"] = "uvloop is not installed (pip install uvloop): skipped"
    else:
        factories["uvloop"] = uvloop.new_event_loop
    return factories, missing


def select(only: list[str]) -> list[Benchmark]:
    """The benchmarks named in ``only`` (exact names or name prefixes).

    An empty list selects everything; a name that matches nothing raises
    ValueError listing the known names.
    """
    if not only:
        return list(BENCHMARKS)
    chosen: list[Benchmark] = []
    for wanted in only:
        matches = [
            b for b in BENCHMARKS if b.name == wanted or b.name.startswith(wanted)
        ]
        if not matches:
            known = ", ".join(b.name for b in BENCHMARKS)
            raise ValueError(f"no benchmark named {wanted!r}; known: {known}")
        chosen += [b for b in matches if b not in chosen]
    return [b for b in BENCHMARKS if b in chosen]
