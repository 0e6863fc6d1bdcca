"""Turning the HTTP runs into the markdown tables, the JSON record and the
chart; ``run.py`` measures, this module only formats.

The record is plain JSON data, so the file on disk is exactly what the
tables were made from:

    {"date", "command", "machine", "settings", "pythons": {name: probe},
     "skipped": [why, ...],
     "results": [{"python", "server", "title", "loop", "connections",
                  "samples": [{"rate", "cpu_us_per_request", "requests",
                               "errors", "latency_p50_us", ...}],
                  "best": {"rate", "cpu_us_per_request"} | "error": why}]}
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from loops import LOOP_NAMES

Record = dict[str, Any]


def machine_info() -> Record:
    """What the numbers were measured on."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "driver_python": platform.python_version(),
    }


def best(samples: list[Record]) -> Record:
    """The highest rate and the lowest CPU per request over the rounds (each
    loop's least disturbed moment; they may come from different samples)."""
    return {
        "rate": max(s["rate"] for s in samples),
        "cpu_us_per_request": min(s["cpu_us_per_request"] for s in samples),
    }


def _by_key(record: Record) -> dict[tuple[str, str, int, str], Record]:
    return {
        (r["python"], r["server"], r["connections"], r["loop"]): r
        for r in record["results"]
    }


def _loops(record: Record) -> list[str]:
    present = {r["loop"] for r in record["results"]}
    return [loop for loop in LOOP_NAMES if loop in present]


def _cell(entry: Record | None, key: str, fmt: str) -> str:
    if entry is None:
        return "n/a"
    if "best" not in entry:
        return "error"
    return format(entry["best"][key], fmt)


def _ratio(entries: dict[str, Record | None], key: str) -> str:
    ours, base = entries.get("ours"), entries.get("asyncio")
    if not ours or not base or "best" not in ours or "best" not in base:
        return "n/a"
    return f"{ours['best'][key] / base['best'][key]:.2f}x"


def _rows(record: Record, keys: list[tuple[str, str, int]], first: str) -> list[str]:
    loops = _loops(record)
    found = _by_key(record)
    header = [first, "Python"]
    header += [f"{loop} req/s" for loop in loops]
    header += [f"{loop} CPU µs/req" for loop in loops]
    header += ["ours/asyncio req/s", "ours/asyncio CPU/req"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|---|" + "---:|" * (len(header) - 2),
    ]
    for python, server, connections in keys:
        entries = {
            loop: found.get((python, server, connections, loop)) for loop in loops
        }
        label = server if first == "server" else str(connections)
        cells = [label, python]
        cells += [_cell(entries[loop], "rate", ",.0f") for loop in loops]
        cells += [_cell(entries[loop], "cpu_us_per_request", ".1f") for loop in loops]
        cells += [_ratio(entries, "rate"), _ratio(entries, "cpu_us_per_request")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _keys(record: Record, server: str | None, connections: int | None) -> list[Any]:
    keys: list[tuple[str, str, int]] = []
    for r in record["results"]:
        if server is not None and r["server"] != server:
            continue
        if connections is not None and r["connections"] != connections:
            continue
        key = (r["python"], r["server"], r["connections"])
        if key not in keys:
            keys.append(key)
    return keys


def main_table(record: Record) -> str:
    """Every server at 64 connections: one row per server and Python."""
    keys = sorted(
        _keys(record, None, 64), key=lambda k: (_server_order(record, k[1]), k[0])
    )
    return "\n".join(_rows(record, keys, "server"))


def sweep_table(record: Record) -> str:
    """The raw responder at each connection count."""
    keys = sorted(_keys(record, "raw", None), key=lambda k: (k[0], k[2]))
    return "\n".join(_rows(record, keys, "connections"))


def pypy_table(record: Record) -> str:
    """Ours on PyPy against uvloop on CPython, each server at 64 connections:
    the comparison a user choosing an interpreter and a loop makes. Empty
    when the run has no such pair."""
    found = _by_key(record)
    pythons = list(record["pythons"])
    pypys = [p for p in pythons if p.startswith("PyPy")]
    cpythons = [p for p in pythons if p.startswith("CPython")]
    lines = []
    for pypy in pypys:
        for cpython in cpythons:
            for server in dict.fromkeys(r["server"] for r in record["results"]):
                ours = found.get((pypy, server, 64, "ours"))
                uv = found.get((cpython, server, 64, "uvloop"))
                if not ours or not uv or "best" not in ours or "best" not in uv:
                    continue
                rate = ours["best"]["rate"] / uv["best"]["rate"]
                cpu = ours["best"]["cpu_us_per_request"]
                cpu /= uv["best"]["cpu_us_per_request"]
                lines.append(
                    f"| {server} | ours, {pypy} | uvloop, {cpython} "
                    f"| {rate:.2f}x | {cpu:.2f}x |"
                )
    if not lines:
        return ""
    header = [
        "| server | this | against | req/s ratio | CPU/req ratio |",
        "|---|---|---|---:|---:|",
    ]
    return "\n".join(header + lines)


def _server_order(record: Record, name: str) -> int:
    names = list(dict.fromkeys(r["server"] for r in record["results"]))
    return names.index(name)


def _notes(record: Record) -> list[str]:
    lines = [f"- skipped: {why}" for why in record["skipped"]]
    for r in record["results"]:
        where = f"{r['server']} on {r['loop']}, {r['python']}, "
        where += f"{r['connections']} connections"
        if "error" in r:
            lines.append(f"- failed: {where}: {r['error']}")
        for s in r["samples"]:
            errors = {k: v for k, v in s["errors"].items() if v}
            if errors:
                detail = ", ".join(f"{k} {v}" for k, v in errors.items())
                lines.append(f"- wrk reported errors: {where}: {detail}")
    return lines


def markdown(record: Record) -> str:
    settings = record["settings"]
    pythons = ", ".join(
        f"{name} ({info['version']})" for name, info in record["pythons"].items()
    )
    pinned = "nothing pinned"
    if settings["server_cpu"] is not None:
        pinned = f"server pinned to CPU {settings['server_cpu']}, "
        pinned += f"wrk to CPU {settings['wrk_cpu']}"
    parts = [
        f"# HTTP benchmarks, {record['date']}",
        "",
        f"{pythons} on {record['machine']['platform']}, "
        f"{record['machine']['cpu_count']} CPUs (shared, noisy). "
        f"`{settings['wrk']}` after {settings['warmup_s']:g} s of unmeasured load, "
        f"{pinned}, a fresh server per run, best of {settings['rounds']} "
        f"round(s). Command: `{record['command']}`.",
        "",
        "**CPU µs/req** is the server process's CPU time (user + system, from "
        "`/proc/<pid>/stat`) over the measured run divided by the requests "
        "answered: what one request costs the server, and much less disturbed by "
        "the shared machine than req/s. Lower is better; for the ratios, above "
        "1.0x is better for req/s and below 1.0x for CPU/req.",
        "",
        "## Each server at 64 connections",
        "",
        main_table(record),
        "",
    ]
    versus = pypy_table(record)
    if versus:
        parts += [
            "## Ours on PyPy against uvloop on CPython, 64 connections",
            "",
            "Above 1.0x is better for req/s, below 1.0x for CPU/req.",
            "",
            versus,
            "",
        ]
    parts += [
        "## The raw responder by connection count",
        "",
        "The loop's own cost: readiness, one read, one `data_received`, one write "
        "per request. At 1 connection the server waits on every round trip, so "
        "its CPU is not saturated and req/s measures latency; CPU µs/req stays "
        "comparable.",
        "",
        sweep_table(record),
        "",
    ]
    notes = _notes(record)
    if notes:
        parts += ["## Notes", "", *notes, ""]
    return "\n".join(parts)


def chart(record: Record, path: Path) -> None:
    """Req/s and CPU µs/req: bars per server at 64 connections, lines over
    connection counts for the raw responder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loops = _loops(record)
    colors = {"asyncio": "tab:red", "uvloop": "tab:gray", "ours": "tab:blue"}
    found = _by_key(record)
    main_keys = sorted(
        _keys(record, None, 64), key=lambda k: (_server_order(record, k[1]), k[0])
    )
    figure, axes = plt.subplots(2, 2, figsize=(13, 8))
    width = 0.8 / max(1, len(loops))
    for row, (metric, label) in enumerate(
        [
            ("rate", "requests/s (higher is better)"),
            ("cpu_us_per_request", "server CPU µs per request (lower is better)"),
        ]
    ):
        ax = axes[row][0]
        for index, loop in enumerate(loops):
            xs, ys = [], []
            for position, (python, server, conns) in enumerate(main_keys):
                entry = found.get((python, server, conns, loop))
                if entry and "best" in entry:
                    xs.append(position + (index - (len(loops) - 1) / 2) * width)
                    ys.append(entry["best"][metric])
            ax.bar(xs, ys, width, color=colors[loop], label=loop)
        ax.set_xticks(
            range(len(main_keys)),
            [f"{server}\n{python}" for python, server, _ in main_keys],
            fontsize=7,
        )
        ax.set_ylabel(label, fontsize=8)
        ax.set_title("each server, 64 connections", fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[row][1]
        styles = ["-", "--", ":"]
        for p_index, python in enumerate(record["pythons"]):
            for loop in loops:
                points = sorted(
                    (r["connections"], r["best"][metric])
                    for r in record["results"]
                    if r["server"] == "raw"
                    and r["python"] == python
                    and r["loop"] == loop
                    and "best" in r
                )
                if points:
                    ax.plot(
                        [c for c, _ in points],
                        [v for _, v in points],
                        styles[p_index % len(styles)],
                        marker="o",
                        color=colors[loop],
                        label=f"{loop}, {python}",
                    )
        ax.set_xscale("log")
        ax.set_xlabel("connections", fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        ax.set_title("raw asyncio.Protocol responder", fontsize=9)
        ax.legend(fontsize=7)
    figure.suptitle(f"HTTP under wrk, {record['date']} (2 shared CPUs)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(record: Record, directory: Path) -> list[Path]:
    """``http.json``, ``http.md`` and (with matplotlib) ``http.png``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "http.json", directory / "http.md"]
    written[0].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    written[1].write_text(markdown(record), encoding="utf-8")
    try:
        chart(record, directory / "http.png")
    except ImportError:
        print("note: matplotlib is not installed: no chart")
    else:
        written.append(directory / "http.png")
    return written
