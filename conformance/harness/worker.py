"""Run one suite in this process: ``python -m harness.worker SUITE ...``.

Started by the orchestrator in a scratch directory (CPython's tests write
``@test_*`` files to the working directory). Every test gets a watchdog: if
it runs longer than ``--timeout`` seconds, faulthandler dumps every thread's
stack to ``--hang-file`` and ends the process; the orchestrator charges the
hang to the test whose ``start`` line has no ``done`` line and starts a new
worker for the rest (``--skip-file`` lists the ids already done).
"""

from __future__ import annotations

import argparse
import os
import sys
import unittest
from pathlib import Path

from . import adapt, collect, expected, guard, loops
from .catalogs import CATALOGS
from .record import Events, StreamingResult

NOT_RUN = "not run (--skip-known): listed as a known failure\n"


def _read_ids(path: str | None) -> set[str] | None:
    if path is None:
        return None
    return {line.strip() for line in Path(path).read_text().splitlines() if line}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.worker")
    parser.add_argument("suite")
    parser.add_argument("--catalog", choices=sorted(CATALOGS), default="cpython")
    parser.add_argument("--loop", choices=loops.LOOPS, default="loop_core")
    parser.add_argument("--events", required=True, help="JSON-lines output file")
    parser.add_argument("--hang-file", required=True)
    parser.add_argument("--timeout", type=float, default=60.0, help="per test")
    parser.add_argument("--skip-file", help="ids not to run (already done)")
    parser.add_argument("--only-file", help="run only these ids")
    parser.add_argument(
        "--skip-known", action="store_true", help="report known failures unrun"
    )
    args = parser.parse_args(argv)

    catalog = CATALOGS[args.catalog]
    suite = catalog.by_name.get(args.suite)
    if suite is None:
        parser.error(f"no suite {args.suite!r} in the {catalog.name} catalog")
    skip = _read_ids(args.skip_file) or set()
    only = _read_ids(args.only_file)
    lists = expected.load(catalog.expected)

    with open(args.events, "a", encoding="utf-8") as stream:
        events = Events(stream)
        adapt.prepare_interpreter()
        make = loops.factory(args.loop)
        loop_class = loops.loop_class(args.loop)
        catalog.install(args.loop, make, loop_class)
        try:
            if suite.variant is not None:
                adapt.install_variant(suite.variant)
            module = catalog.import_module(suite)
        except unittest.SkipTest as exc:
            events.emit("module", reason=str(exc))
            events.emit("end")
            return 0

        try:
            events.emit("dropped", classes=catalog.dropped(suite, module))
            loaded = catalog.load(suite, module, make)
            catalog.verify(args.loop, loop_class, {type(test) for test in loaded})
        except guard.WrongLoop as exc:
            events.emit("harness", reason=str(exc))
            events.emit("end")
            return 1
        if args.loop != "asyncio":
            guard.forbid_asyncio_loops()
        tests = []
        for test in loaded:
            test_id = collect.short_id(test.id())
            if test_id in skip or (only is not None and test_id not in only):
                continue
            variant = suite.name if suite.variant else None
            reason = lists.not_applicable.match(test_id, variant)
            known = lists.failures_for(args.loop).match(test_id, variant)
            if reason is not None:
                events.emit("done", id=test_id, dur=0.0, outcome="na", reason=reason)
            elif known is not None and args.skip_known:
                events.emit("done", id=test_id, dur=0.0, outcome="fail", tb=NOT_RUN)
            else:
                tests.append(test)
        with open(args.hang_file, "w", encoding="utf-8") as hang:
            result = StreamingResult(events, watchdog=(args.timeout, hang))
            result.buffer = catalog.capture_output
            unittest.TestSuite(tests).run(result)
        events.emit("end")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Threads or loops left behind by a test must not keep the worker alive.
    os._exit(status)
