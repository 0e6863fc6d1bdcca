"""Our loop against asyncio's (and uvloop, for comparison) in one run.

    python benchmarks/run.py                 # every benchmark, default sizes
    python benchmarks/run.py --quick         # smaller sizes, 3 rounds (~15 s)
    python benchmarks/run.py --only sock_echo --rounds 9
    python benchmarks/run.py --quick --no-write   # what the demo runs

The machine is shared and noisy, so no loop gets a quiet moment the others
miss: for each benchmark the loops take turns, round after round (the order
rotates each round), every sample on a fresh loop that is closed right after.
One unmeasured warm-up sample per loop comes first. The table reports each
loop's best rate and its ratio to asyncio's best in the same run; medians and
all samples go to the JSON record.

Prints the markdown table on stdout (progress and notes go to stderr) and,
unless ``--no-write``, writes ``benchmarks/results/<date>.{json,md,png}`` and
copies them to ``latest.*``. Exits 1 if a benchmark failed on some loop.
This is a script, not a module: run it, don't import it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import floor_echo
import report
import suite

RESULTS = Path(__file__).resolve().parent / "results"
# Within one run, one loop's samples of a benchmark have differed by a
# quarter on the shared machine, and with 5 rounds a loop sometimes got no
# quiet sample at all; 9 make its best rate a steadier estimate.
ROUNDS = 9


class SampleTimeout(KeyboardInterrupt):
    """A sample ran past ``--timeout``.

    A KeyboardInterrupt so that the loop under test lets it through: loops
    report ordinary exceptions from callbacks to their exception handler and
    carry on, which would turn a hang into a longer hang.
    """


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise SampleTimeout in the main thread after ``seconds``."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise SampleTimeout(f"no result after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sample(
    bench: suite.Benchmark, factory: suite.LoopFactory, size: int, timeout: float
) -> float:
    """One measurement on a fresh loop, in operations per second."""
    loop = factory()
    try:
        gc.collect()
        with deadline(timeout):
            operations, seconds = bench.function(loop, size)
    finally:
        loop.close()
    return operations / seconds


def measure(
    bench: suite.Benchmark,
    factories: dict[str, suite.LoopFactory],
    size: int,
    rounds: int,
    timeout: float,
) -> dict[str, Any]:
    """Warm up, then interleave the loops for ``rounds``; one benchmark's record."""
    samples: dict[str, list[float]] = {name: [] for name in factories}
    errors: dict[str, str] = {}

    def attempt(name: str, n: int) -> float | None:
        try:
            return sample(bench, factories[name], n, timeout)
        except (Exception, SampleTimeout) as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"  {bench.name} on {name}: {errors[name]}", file=sys.stderr)
            return None

    for name in factories:
        attempt(name, max(1, size // 10))
    order = [name for name in factories if name not in errors]
    for round_index in range(rounds):
        shift = round_index % len(order) if order else 0
        for name in order[shift:] + order[:shift]:
            if name in errors:
                continue
            rate = attempt(name, size)
            if rate is not None:
                samples[name].append(rate)

    per_loop: dict[str, Any] = {}
    for name in factories:
        if name in errors:
            per_loop[name] = {"error": errors[name], "samples": samples[name]}
        else:
            per_loop[name] = report.summarize(samples[name])
    return {
        "unit": bench.unit,
        "size": size,
        "summary": bench.summary,
        "target": bench.target,
        "loops": per_loop,
        "ratios": report.ratios(per_loop),
    }


def progress(name: str, record: dict[str, Any], seconds: float) -> str:
    """One stderr line per benchmark, so a long run shows it is alive."""
    parts = [f"{name:<19}"]
    for loop, stats in record["loops"].items():
        value = "error" if "error" in stats else f"{stats['best']:,.0f}/s"
        parts.append(f"{loop} {value}")
    ours = record["ratios"].get("ours")
    if ours:
        parts.append(f"ours/asyncio {ours['best']:.2f}x")
    return "  ".join(parts) + f"  [{seconds:.1f} s]"


def loop_details(factories: dict[str, suite.LoopFactory]) -> dict[str, Any]:
    """Which class and version each loop name stood for in this run."""
    from importlib import metadata

    distributions = {"ours": "loop-core", "uvloop": "uvloop"}
    details: dict[str, Any] = {}
    for name, factory in factories.items():
        loop = factory()
        cls = type(loop)
        loop.close()
        version = None
        if name in distributions:
            with contextlib.suppress(metadata.PackageNotFoundError):
                version = metadata.version(distributions[name])
        details[name] = {
            "factory": f"{factory.__module__}.{factory.__qualname__}",
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "version": version,
        }
    return details


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Compare our event loop with asyncio's and uvloop.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and 3 rounds (a demo)"
    )
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds per benchmark (default 9)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this benchmark, or those starting with NAME; repeatable, "
        "or comma-separated",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, write no files"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds allowed per sample"
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the run's JSON record to PATH (the PyPy run does)",
    )
    parser.add_argument(
        "--pypy",
        type=Path,
        metavar="PATH",
        help="the JSON record of a PyPy run made just before, for the results "
        "page's PyPy section (nox -s bench passes it)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the benchmarks and exit"
    )
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.quick else ROUNDS
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.only = [name for item in args.only for name in item.split(",") if name]
    return args


# The benchmark whose floor (the same echo with no loop) is measured too.
FLOOR_OF = "transport_echo_tcp"


def measure_floor(trips: int, rounds: int) -> dict[str, Any]:
    """floor_echo's bare-epoll echo, ``rounds`` samples of ``trips`` round
    trips: the rate no loop can pass on this machine and interpreter, so
    that the page shows how far above asyncio any loop could get."""
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples.append(floor_echo.echo(trips))
    return {"benchmark": FLOOR_OF, "best": max(samples), "samples": samples}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list:
        for bench in suite.BENCHMARKS:
            print(f"{bench.name:<19} {bench.summary}")
        return 0
    try:
        benchmarks = suite.select(args.only)
    except ValueError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    if sys.flags.dev_mode or os.environ.get("PYTHONASYNCIODEBUG"):
        print(
            "note: asyncio debug mode is on: these numbers mean little", file=sys.stderr
        )
    factories, missing = suite.loop_factories()
    for why in missing.values():
        print(f"note: {why}", file=sys.stderr)

    record: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "command": shlex.join(["python", "benchmarks/run.py", *argv]),
        "machine": report.machine_info(),
        "settings": {"quick": args.quick, "rounds": args.rounds},
        "loops": loop_details(factories),
        "skipped": missing,
        "benchmarks": {},
    }
    for bench in benchmarks:
        size = bench.quick_size if args.quick else bench.size
        started = time.perf_counter()
        result = measure(bench, factories, size, args.rounds, args.timeout)
        record["benchmarks"][bench.name] = result
        elapsed = time.perf_counter() - started
        print(progress(bench.name, result, elapsed), file=sys.stderr, flush=True)
        if bench.name == FLOOR_OF:
            record["floor"] = measure_floor(size, args.rounds)

    if args.pypy is not None:
        try:
            record["pypy"] = json.loads(args.pypy.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"note: no PyPy record ({exc})", file=sys.stderr)
    print(report.table(record))
    print()
    print(report.notes(record, written=not args.no_write), flush=True)
    if "pypy" in record:
        print()
        print(report.pypy_section(record), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if not args.no_write:
        for path in report.write(record, RESULTS):
            print(f"wrote {path}", file=sys.stderr)
    failed = any(
        "error" in stats
        for bench in record["benchmarks"].values()
        for stats in bench["loops"].values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
