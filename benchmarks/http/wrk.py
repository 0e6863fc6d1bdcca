"""Running wrk against one server and reading its summary.

wrk is the load generator users cite, and it is C: on the other CPU it can
outrun every server here, so the server's CPU is what is measured. Its
summary comes from ``wrk_summary.lua`` as one JSON line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("wrk_summary.lua")
PREFIX = "wrk-summary "
INSTALL_HINT = "wrk is not installed: apt-get install wrk (Debian/Ubuntu; as root)"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    errors: dict[str, int]  # connect, read, write, status (non-2xx/3xx), timeout
    latency_p50_us: float
    latency_p99_us: float
    latency_max_us: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_record(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


def available() -> bool:
    return shutil.which("wrk") is not None


def command(port: int, connections: int, seconds: float, cpu: int | None) -> list[str]:
    """wrk with one thread, pinned to ``cpu`` by taskset when given."""
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "-s",
        str(SCRIPT),
        f"http://127.0.0.1:{port}/",
    ]
    return (["taskset", "-c", str(cpu)] if cpu is not None else []) + argv


def describe(connections: int, seconds: float) -> str:
    """The command as a reader would type it (for the report)."""
    return f"wrk -t1 -c{connections} -d{max(1, round(seconds))}s http://127.0.0.1:PORT/"


def parse(output: str) -> WrkResult:
    """The summary line of wrk's output; ValueError if there is none."""
    for line in output.splitlines():
        if line.startswith(PREFIX):
            data = json.loads(line[len(PREFIX) :])
            break
    else:
        raise ValueError(f"no {PREFIX.strip()!r} line in wrk's output:\n{output}")
    errors = {
        name: int(data[f"{name}_errors"])
        for name in ("connect", "read", "write", "status")
    }
    errors["timeout"] = int(data["timeouts"])
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        bytes=int(data["bytes"]),
        errors=errors,
        latency_p50_us=data["latency_p50_us"],
        latency_p99_us=data["latency_p99_us"],
        latency_max_us=data["latency_max_us"],
    )


def run(port: int, connections: int, seconds: float, cpu: int | None) -> WrkResult:
    """One wrk run; RuntimeError with its output if it fails."""
    done = subprocess.run(
        command(port, connections, seconds, cpu),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk exited with {done.returncode}: {done.stderr.strip() or done.stdout}"
        )
    return parse(done.stdout)
