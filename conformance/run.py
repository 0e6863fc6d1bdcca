"""Run CPython's own test_asyncio against loop_core (see README.md).

    python conformance/run.py --write      # everything; updates RESULTS.md
    python conformance/run.py --quick      # the fast subset CI runs
    python conformance/run.py --loop asyncio test_tasks   # baseline, one suite
    python conformance/run.py --catalog uvloop --write    # uvloop's test suite

Exit status: 0 when every failure is expected (listed in expected.toml, or
needing a distribution that is not installed), 1 on an unexpected failure,
2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import adapt, expected, loops, orchestrate, report, results, uvloop_source
from harness.catalogs import CATALOGS

HERE = Path(__file__).resolve().parent
QUICK_TIMEOUT = 20.0
FULL_TIMEOUT = 90.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python conformance/run.py", description=__doc__
    )
    parser.add_argument("suites", nargs="*", metavar="SUITE", help="e.g. test_tasks")
    parser.add_argument("--loop", choices=loops.LOOPS, default="loop_core")
    parser.add_argument(
        "--catalog",
        choices=sorted(CATALOGS),
        default="cpython",
        help="whose tests: CPython's test_asyncio, or uvloop's suite",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the fast subset only")
    mode.add_argument("--write", action="store_true", help="save results, RESULTS.md")
    mode.add_argument("--report", action="store_true", help="only rebuild RESULTS.md")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, help="seconds per test")
    parser.add_argument("--suite-timeout", type=float, default=900.0)
    parser.add_argument("--only", action="append", help="run only this test id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.report:
        report.write()
        print(f"wrote {report.RESULTS_MD}")
        return 0
    catalog = CATALOGS[args.catalog]
    adapt.prepare_interpreter()
    if catalog.name == "uvloop":
        try:
            # once, here: the workers run in parallel
            uvloop_source.ensure()
        except uvloop_source.SourceError as exc:
            print(f"uvloop's tests: {exc}", file=sys.stderr)
            return 2
    elif importlib.util.find_spec("test.test_asyncio") is None:
        print(f"{sys.executable}: CPython's test package is not installed: skipped")
        return 0
    try:
        loops.factory(args.loop)().close()
    except ImportError as exc:
        print(f"cannot make a {args.loop} loop: {exc}", file=sys.stderr)
        print("install it: pip install -e packages/loop-core", file=sys.stderr)
        return 2
    known = catalog.by_name
    unknown = [s for s in args.suites if s not in known]
    if unknown:
        print(f"unknown suites {unknown}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    if args.write and (args.suites or args.only):
        print("--write records complete runs only", file=sys.stderr)
        return 2

    suites = [
        s for s in catalog.suites if (s.name in args.suites if args.suites else True)
    ]
    if args.quick:
        suites = [s for s in suites if s.quick]
    key = expected.python_key()
    prefix = "" if catalog.name == "cpython" else f"{catalog.name}-"
    logs = HERE / "logs" / f"{prefix}{key}-{args.loop}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    options = orchestrate.Options(
        loop=args.loop,
        timeout=args.timeout or (QUICK_TIMEOUT if args.quick else FULL_TIMEOUT),
        suite_timeout=args.suite_timeout,
        logs=logs,
        lists=expected.load(catalog.expected),
        only=frozenset(args.only) if args.only else None,
        run_known=not args.quick,
        catalog=catalog.name,
    )
    run = results.RunResult(
        python=platform.python_version(),
        loop=args.loop,
        loop_version=loops.version(args.loop),
        date=datetime.date.today().isoformat(),
        mode="quick" if args.quick else "full",
        implementation=sys.implementation.name,
    )
    print(
        f"{catalog.title}: Python {run.label}, {args.loop} {run.loop_version}: "
        f"{len(suites)} suites"
    )

    def one(suite: Any) -> None:
        result = orchestrate.run_suite(suite, options)
        run.suites[suite.name] = result
        counts = ", ".join(f"{n} {c}" for c, n in sorted(result.counts.items()))
        print(f"  {suite.name}: {result.note or counts} ({result.duration:.0f}s)")

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(one, suites))

    print()
    print(report.console(run))
    print(f"\nlogs and full tracebacks: {logs}")
    if args.write:
        path = run.save(catalog.results)
        report.write()
        print(f"wrote {path.relative_to(HERE.parent)} and {report.RESULTS_MD.name}")
    trouble = [
        s.module
        for s in run.suites.values()
        if s.note and s.note.startswith(("worker died", "gave up", "harness error"))
    ]
    failed = run.totals()["failed"]
    if failed or trouble:
        print(f"\n{failed} unexpected failures; worker trouble in {trouble or 'none'}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
