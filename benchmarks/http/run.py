"""HTTP servers under wrk on each loop and Python: requests per second and
the server's CPU time per request.

    python benchmarks/http/run.py                 # 3 x 10 s per point, writes results
    python benchmarks/http/run.py --duration 3 --no-write --server raw
    python benchmarks/http/run.py --python python3.13 \
        --python "../shared/tools/newer-pythons.sh .v-pypy3/bin/python"

``nox -s bench_http`` runs it with everything installed (and PyPy through the
chroot where the host has none). For each Python (``--python``, repeatable;
default: this one) and each point (a server at 64 connections; the raw
responder also at 1, 16, 256 and 1024), every loop gets a fresh server
process pinned to one CPU, ``--warmup`` seconds of unmeasured load (PyPy's
JIT), then ``--duration`` seconds of ``wrk -t1`` pinned to the other CPU;
``--rounds`` times (3), the loops' order rotating, the best kept.

Requests per second depends on everything else the shared machine is doing;
the server's CPU time over the measured run (utime + stime from
``/proc/<pid>/stat``) divided by the requests answered depends much less on
it, so both are reported. Writes ``benchmarks/results/http.{md,json,png}``
unless ``--no-write``; exits 1 if a sample failed, 2 if wrk is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import queue
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tables
import wrk
from loops import LOOP_NAMES

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
MAIN_CONNECTIONS = 64
SWEEP_CONNECTIONS = (1, 16, 256, 1024)
# Beyond wrk's and the server's connections: the interpreter, the wrapper.
SPARE_FDS = 64


@dataclass(frozen=True)
class Server:
    name: str
    title: str
    script: str
    args: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # modules the probe must find


SERVERS = [
    Server("raw", "raw asyncio.Protocol responder", "server_raw.py"),
    Server("aiohttp", "aiohttp hello", "server_aiohttp.py", needs=("aiohttp",)),
    Server(
        "aiohttp-64k",
        "aiohttp, 64 KiB body",
        "server_aiohttp.py",
        ("--body-size", str(64 * 1024)),
        ("aiohttp",),
    ),
    Server(
        "uvicorn",
        "uvicorn + httptools ASGI hello",
        "server_uvicorn.py",
        needs=("uvicorn", "httptools"),
    ),
]


@dataclass(frozen=True)
class Python:
    command: tuple[str, ...]  # argv prefix that runs a script in it
    info: dict[str, Any]  # what probe.py printed

    @property
    def name(self) -> str:
        return str(self.info["short"])


def probe(command: tuple[str, ...]) -> Python:
    done = subprocess.run(
        [*command, str(HERE / "probe.py")], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)}: probe failed: {done.stderr}")
    return Python(command, json.loads(done.stdout.splitlines()[-1]))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rpartition(")")[2].split()
    # fields[0] is the state (field 3 of proc(5)); utime and stime are 14, 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Running:
    pid: int
    port: int
    loop_class: str


@contextlib.contextmanager
def running(
    python: Python, server: Server, loop: str, cpu: int | None, timeout: float
) -> Iterator[Running]:
    """A server process, from its ready line until it is terminated."""
    argv = [*python.command, str(HERE / server.script), "--loop", loop, "--port", "0"]
    argv += [*server.args, *(["--cpu", str(cpu)] if cpu is not None else [])]
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        pid = process.pid
        try:
            ready = _ready_line(process, timeout)
            if ready is None:
                errors.seek(0)
                tail = errors.read()[-2000:]
                raise RuntimeError(f"{server.script} on {loop} did not start: {tail}")
            fields = dict(word.split("=", 1) for word in ready.split()[1:])
            pid = int(fields["pid"])
            yield Running(pid, int(fields["port"]), fields["loop"])
        finally:
            _stop(process, pid)


def _ready_line(process: subprocess.Popen[str], timeout: float) -> str | None:
    """The server's ready line, or None if it exits or is silent too long."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
            if line.startswith("ready "):
                return
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line.startswith("ready "):
            return line
        if not line:
            return None
    return None


def _stop(process: subprocess.Popen[str], pid: int) -> None:
    """SIGTERM to the server (which may be a child of the wrapper we started),
    then make sure what we started is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def sample(
    python: Python,
    server: Server,
    loop: str,
    connections: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One measured run: a fresh server, warm-up, then wrk with the server's
    CPU time read just before and just after."""
    with running(python, server, loop, args.server_cpu, args.start_timeout) as srv:
        if args.warmup > 0:
            wrk.run(srv.port, connections, args.warmup, args.wrk_cpu)
        before = cpu_seconds(srv.pid)
        result = wrk.run(srv.port, connections, args.duration, args.wrk_cpu)
        cpu = cpu_seconds(srv.pid) - before
    if not result.requests:
        raise RuntimeError(f"no request answered: {result.errors}")
    record = result.as_record()
    record["server_cpu_s"] = cpu
    record["cpu_us_per_request"] = cpu / result.requests * 1e6
    record["server_cpu_share"] = cpu / result.seconds
    record["loop_class"] = srv.loop_class
    return record


def raise_fd_limit(needed: int) -> int:
    """Raise the soft RLIMIT_NOFILE toward ``needed`` (children inherit it);
    the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def pick_cpus() -> tuple[int | None, int | None, str | None]:
    """The server's CPU and wrk's: the first two this process may use."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None, f"only {len(cpus)} CPU usable: server and wrk not pinned"
    return cpus[0], cpus[1], None


def points(only: list[str]) -> list[tuple[Server, int]]:
    chosen = [s for s in SERVERS if not only or s.name in only]
    out = [(server, MAIN_CONNECTIONS) for server in chosen]
    out += [(SERVERS[0], c) for c in SWEEP_CONNECTIONS if SERVERS[0] in chosen]
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/http/run.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="unmeasured seconds before each run"
    )
    # One round swings by 15% on PyPy on this shared machine; the best of
    # three, interleaved, keeps two loops' figures comparable.
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs per point and loop (best is shown)"
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="COMMAND",
        help="a command that runs a Python script (shell words); repeatable; "
        "default: this Python",
    )
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        choices=[s.name for s in SERVERS],
        help="only these servers (repeatable)",
    )
    parser.add_argument(
        "--loop", action="append", default=[], choices=LOOP_NAMES, help="only these"
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for a server",
    )
    parser.add_argument("--no-write", action="store_true", help="print, write nothing")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.duration < 1 or args.rounds < 1:
        parser.error("--duration must be at least 1 and --rounds at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not wrk.available():
        print(f"bench_http: {wrk.INSTALL_HINT}", file=sys.stderr)
        return 2
    args.server_cpu, args.wrk_cpu, pin_note = pick_cpus()
    if args.wrk_cpu is not None:
        # The driver mostly waits; keep it off the server's CPU.
        os.sched_setaffinity(0, {args.wrk_cpu})
    fd_limit = raise_fd_limit(max(SWEEP_CONNECTIONS) + SPARE_FDS)
    commands = [tuple(shlex.split(c)) for c in args.python] or [(sys.executable,)]
    loops = args.loop or list(LOOP_NAMES)

    skipped: list[str] = [pin_note] if pin_note else []
    record: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "command": shlex.join(["python", "benchmarks/http/run.py", *argv]),
        "machine": tables.machine_info(),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "wrk": wrk.describe(MAIN_CONNECTIONS, args.duration),
            "server_cpu": args.server_cpu,
            "wrk_cpu": args.wrk_cpu,
            "fd_limit": fd_limit,
        },
        "pythons": {},
        "skipped": skipped,
        "results": [],
    }
    failed = False
    for command in commands:
        try:
            python = probe(command)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            skipped.append(f"{shlex.join(command)}: cannot run: {exc}")
            print(f"skip: {skipped[-1]}", file=sys.stderr)
            continue
        record["pythons"][python.name] = {**python.info, "command": list(command)}
        usable = []
        for loop in loops:
            why = python.info["loops"].get(loop)
            if why:
                skipped.append(f"{python.name}, {loop}: {why}")
            else:
                usable.append(loop)
        for server, connections in points(args.server):
            missing = [python.info["modules"][m] for m in server.needs]
            missing = [why for why in missing if why]
            if missing:
                if connections == MAIN_CONNECTIONS:
                    skipped.append(
                        f"{python.name}, {server.name}: {'; '.join(missing)}"
                    )
                continue
            if connections + SPARE_FDS > fd_limit:
                skipped.append(
                    f"{python.name}, {server.name} at {connections} connections: "
                    f"the open-file limit is {fd_limit} (ulimit -n)"
                )
                continue
            failed |= measure_point(record, python, server, connections, usable, args)
        for line in skipped:
            if line.startswith(python.name):
                print(f"skip: {line}", file=sys.stderr)

    print(tables.markdown(record))
    if not args.no_write:
        for path in tables.write(record, args.output_dir):
            print(f"wrote {path}", file=sys.stderr)
    return 1 if failed else 0


def measure_point(
    record: dict[str, Any],
    python: Python,
    server: Server,
    connections: int,
    loops: list[str],
    args: argparse.Namespace,
) -> bool:
    """Every loop at one point, the order rotating each round; True if any
    sample failed."""
    entries: dict[str, dict[str, Any]] = {
        loop: {
            "python": python.name,
            "server": server.name,
            "title": server.title,
            "loop": loop,
            "connections": connections,
            "samples": [],
        }
        for loop in loops
    }
    failed = False
    for round_index in range(args.rounds):
        shift = round_index % len(loops) if loops else 0
        for loop in loops[shift:] + loops[:shift]:
            label = f"{python.name:<10} {server.name:<12} c={connections:<5} {loop:<8}"
            try:
                result = sample(python, server, loop, connections, args)
            except (
                RuntimeError,
                ValueError,
                OSError,
                subprocess.SubprocessError,
            ) as exc:
                entries[loop]["error"] = f"{type(exc).__name__}: {exc}"
                print(f"{label} failed: {exc}", file=sys.stderr, flush=True)
                failed = True
                continue
            entries[loop]["samples"].append(result)
            errors = sum(result["errors"].values())
            print(
                f"{label} {result['rate']:>10,.0f} req/s "
                f"{result['cpu_us_per_request']:>7.1f} us/req CPU "
                f"({result['server_cpu_share']:.0%} busy)"
                + (f"  {errors} socket/status errors" if errors else ""),
                file=sys.stderr,
                flush=True,
            )
    for entry in entries.values():
        if entry["samples"]:
            entry["best"] = tables.best(entry["samples"])
        record["results"].append(entry)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
