"""Run suites in worker subprocesses, survive hangs and crashes, classify.

A worker runs one suite in a fresh scratch directory. When it dies before
its ``end`` line (a test hit the watchdog, the process crashed or the whole
suite ran past its limit), the test in flight is charged with a TIMEOUT or
CRASH failure and a new worker runs the remaining tests. Unexpected failures
(hangs excepted) are run once more in a fresh worker; one that passes then
is recorded as passed and listed as flaky.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalogs import CATALOGS
from .classify import classify
from .expected import Expected
from .results import SuiteResult
from .suites import Suite

HERE = Path(__file__).resolve().parent.parent  # conformance/
MAX_RETRIES = 25  # unexpected failures re-run per suite, at most
MAX_RESTARTS = 40


@dataclass(frozen=True)
class Options:
    loop: str
    timeout: float  # per test
    suite_timeout: float  # per worker process
    logs: Path
    lists: Expected
    only: frozenset[str] | None = None
    # --quick: known failures are reported, not run (one that hangs would
    # cost a whole watchdog period); the full run notices when one is fixed
    run_known: bool = True
    catalog: str = "cpython"  # a name in catalogs.CATALOGS


def run_suite(suite: Suite, options: Options) -> SuiteResult:
    """Run, retry and classify one suite."""
    result = SuiteResult(suite.name)
    if not CATALOGS[options.catalog].available(suite):
        result.note = "not in this Python's test_asyncio"
        return result
    started = time.monotonic()
    records, result.note, result.dropped = _run(suite, options, options.only)
    verdicts = {
        r["id"]: classify(r, suite, options.loop, options.lists) for r in records
    }
    # a hang is re-run never: it would cost a whole watchdog period again
    failed = [
        r["id"]
        for r in records
        if verdicts[r["id"]].category == "failed"
        and not (r.get("tb") or "").startswith("TIMEOUT")
    ]
    if 0 < len(failed) <= MAX_RETRIES:
        retried, _, _ = _run(suite, options, frozenset(failed), attempt="retry")
        for record in retried:
            verdict = classify(record, suite, options.loop, options.lists)
            if verdict.category == "passed":
                verdicts[record["id"]] = verdict
                result.flaky.append(record["id"])
    for test_id, verdict in verdicts.items():
        result.add(test_id, verdict)
    result.duration = round(time.monotonic() - started, 1)
    _write_failures(options.logs / f"{suite.name}.failures.txt", records, verdicts)
    return result


def _run(
    suite: Suite, options: Options, only: frozenset[str] | None, attempt: str = "run"
) -> tuple[list[dict[str, Any]], str | None, dict[str, str]]:
    """Worker after worker until the suite's list is done.

    Returns the ``done`` records, a note on trouble, the dropped classes.
    """
    scratch = Path(tempfile.mkdtemp(prefix=f"conformance-{suite.name}-"))
    log_path = options.logs / f"{suite.name}.log"
    done: dict[str, dict[str, Any]] = {}
    dropped: dict[str, str] = {}
    note = None
    try:
        for restart in range(MAX_RESTARTS):
            events = scratch / f"events-{restart}.jsonl"
            hang = scratch / "hang.txt"
            # a dump left by the previous worker is not this one's
            hang.unlink(missing_ok=True)
            skip = scratch / "skip.txt"
            skip.write_text("".join(f"{t}\n" for t in done))
            command = [
                sys.executable,
                "-m",
                "harness.worker",
                suite.name,
                f"--catalog={options.catalog}",
                f"--loop={options.loop}",
                f"--events={events}",
                f"--hang-file={hang}",
                f"--timeout={options.timeout}",
                f"--skip-file={skip}",
            ]
            if not options.run_known:
                command.append("--skip-known")
            if only is not None:
                (scratch / "only.txt").write_text("".join(f"{t}\n" for t in only))
                command.append(f"--only-file={scratch / 'only.txt'}")
            with log_path.open("a") as log:
                log.write(f"\n===== {attempt} {restart}: {' '.join(command)}\n")
                log.flush()
                status = _spawn(command, scratch, log, options.suite_timeout)
            lines = _read_events(events)
            inflight = None
            for line in lines:
                if line["e"] == "start":
                    inflight = line["id"]
                elif line["e"] == "done":
                    done[line["id"]] = line
                    inflight = None
                elif line["e"] == "dropped":
                    dropped = line["classes"]
                elif line["e"] == "module":
                    note = f"module skipped: {line['reason']}"
                elif line["e"] == "harness":
                    note = f"harness error: {line['reason']}"
            if lines and lines[-1]["e"] == "end":
                break
            why = _death(status, hang, options)
            if inflight is None:
                note = f"worker died outside a test ({why}); see the log"
                break
            done[inflight] = {"id": inflight, "outcome": "fail", "tb": why}
        else:
            note = f"gave up after {MAX_RESTARTS} worker restarts"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return list(done.values()), note, dropped


def _spawn(command: list[str], cwd: Path, log: Any, limit: float) -> int | None:
    """Run a worker in its own process group; None when it ran past ``limit``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HERE), env.get("PYTHONPATH", "")) if p
    )
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        return process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None
    finally:
        # reap what the tests left behind in the worker's process group
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _death(status: int | None, hang: Path, options: Options) -> str:
    if status is None:
        return f"TIMEOUT: the worker ran past {options.suite_timeout:.0f}s\n"
    dump = hang.read_text(errors="replace") if hang.exists() else ""
    if dump.strip():
        return f"TIMEOUT after {options.timeout:.0f}s (watchdog)\n{dump}"
    return f"CRASH: worker exited with status {status}\n"


def _read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = []
    for text in path.read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            break  # a line cut short by a kill
    return lines


def _write_failures(path: Path, records: list[dict[str, Any]], verdicts: Any) -> None:
    """Full tracebacks of every test that did not pass, for the curious."""
    with path.open("w") as out:
        for record in records:
            verdict = verdicts[record["id"]]
            if verdict.category in ("failed", "known", "needs"):
                out.write(f"=== {record['id']}  [{verdict.category}")
                out.write(f": {verdict.reason}]\n" if verdict.reason else "]\n")
                out.write((record.get("tb") or "") + "\n")
