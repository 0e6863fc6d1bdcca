"""Turning measured samples into the table, the JSON record and the chart.

``run.py`` measures; this module only formats. A run's record is plain JSON
data (dicts, lists, numbers, strings) so the file on disk is exactly what the
table was made from:

    {"machine": {...}, "settings": {...}, "loops": {...}, "skipped": {...},
     "benchmarks": {name: {"unit", "size", "summary", "target",
                           "loops": {loop: {"best", "median", "samples"}
                                           | {"error"}},
                           "ratios": {loop: {"best", "median"}}}}}

All rates are operations per second; ratios are to asyncio's rate measured
in the same run, best against best and median against median.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

Record = dict[str, Any]

TABLE_LOOPS = ("ours", "observed", "asyncio", "uvloop")
RATIO_LOOPS = ("ours", "observed", "uvloop")


def summarize(samples: list[float]) -> Record:
    """Best and median of one loop's samples (ops/s), with the samples."""
    return {
        "best": max(samples),
        "median": statistics.median(samples),
        "samples": samples,
    }


def ratios(per_loop: dict[str, Record]) -> dict[str, Record]:
    """Each loop's best and median rate divided by asyncio's."""
    base = per_loop.get("asyncio", {})
    if "best" not in base:
        return {}
    out: dict[str, Record] = {}
    for name in RATIO_LOOPS:
        stats = per_loop.get(name, {})
        if "best" in stats:
            out[name] = {
                "best": stats["best"] / base["best"],
                "median": stats["median"] / base["median"],
            }
    return out


def machine_info() -> Record:
    """What the numbers were measured on."""
    try:
        usable_cpus: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        usable_cpus = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus,
    }


def _rate(stats: Record | None) -> str:
    if stats is None:
        return "n/a"
    if "error" in stats:
        return "error"
    return f"{stats['best']:,.0f}"


def _ratio(value: Record | None) -> str:
    return "n/a" if value is None else f"{value['best']:.2f}x"


def table(record: Record) -> str:
    """The markdown table of best rates and best-to-best ratios."""
    lines = [
        "| benchmark | ours ops/s | observed ops/s | asyncio ops/s | uvloop ops/s "
        "| ours/asyncio | observed/asyncio | uvloop/asyncio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, bench in record["benchmarks"].items():
        loops = bench["loops"]
        cells = [name]
        cells += [_rate(loops.get(loop)) for loop in TABLE_LOOPS]
        cells += [_ratio(bench["ratios"].get(loop)) for loop in RATIO_LOOPS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes(record: Record, written: bool = True) -> str:
    """What the table means, what was skipped, and how ours meets the targets
    (judged on full runs only: a quick run's samples are too short)."""
    settings = record["settings"]
    mode = "quick" if settings["quick"] else "default"
    lines = [
        f"Best of {settings['rounds']} interleaved rounds per loop ({mode} sizes); "
        "ratios are to asyncio in the same run."
        + (" Medians and every sample are in the JSON record." if written else ""),
    ]
    lines += [f"- {loop}: {why}" for loop, why in record["skipped"].items()]
    for name, bench in record["benchmarks"].items():
        for loop, stats in bench["loops"].items():
            if "error" in stats:
                lines.append(f"- {name} on {loop} failed: {stats['error']}")
    targets = []
    for name, bench in record["benchmarks"].items():
        ours = bench["ratios"].get("ours")
        if ours is None or bench["target"] is None:
            continue
        verdict = "met" if ours["best"] >= bench["target"] else "not met"
        targets.append(
            f"- {name}: {ours['best']:.2f}x best, {ours['median']:.2f}x median "
            f"(target {bench['target']:.1f}x): {verdict}"
        )
    floor = floor_note(record)
    if floor:
        lines += ["", floor]
    if targets and settings["quick"]:
        lines += [
            "",
            "A quick run is too short to judge the targets: "
            "`nox -s bench` measures them.",
        ]
    elif targets:
        lines += ["", "Targets, ours/asyncio:", *targets]
    return "\n".join(lines)


def floor_note(record: Record) -> str:
    """The bare-epoll floor under one echo benchmark, as a ratio to
    asyncio's best: the most any loop could reach there ("" if not run)."""
    floor = record.get("floor")
    bench = record["benchmarks"].get(floor["benchmark"]) if floor else None
    asyncio = bench["loops"].get("asyncio", {}) if bench else {}
    if floor is None or "best" not in asyncio:
        return ""
    return (
        f"Floor: {floor['benchmark']} with no loop at all (benchmarks/floor_echo.py, "
        f"the same echo on a bare epoll): {floor['best']:,.0f} round trips/s, "
        f"{floor['best'] / asyncio['best']:.2f}x asyncio's best. No loop written "
        "in Python can pass that ratio here: the rest of a round trip is the "
        "kernel's."
    )


# Issue 15's targets for ours against asyncio, both on PyPy; every other
# benchmark of the suite is to stay at 1.0x or above.
PYPY_TARGETS = {
    "transport_echo_tcp": 1.3,
    "streams_echo": 1.3,
    "timers_spread": 2.0,
    "call_soon_chain": 6.0,
}
# Ours on PyPy against uvloop on CPython, throughput.
PYPY_VS_UVLOOP_TARGETS = {"transport_echo_tcp": 1.3, "streams_echo": 1.3}


def pypy_section(record: Record) -> str:
    """The PyPy run made just before this one (``record["pypy"]``): its
    table, its targets, and ours on PyPy against uvloop on CPython."""
    pypy = record["pypy"]
    machine = pypy["machine"]
    lines = [
        f"## PyPy {machine['python']}",
        "",
        f"Measured just before the table above, in the same `nox -s bench`: "
        f"`{pypy['command']}` on {machine['executable']}.",
        "",
        "| benchmark | ours ops/s | asyncio ops/s | ours/asyncio | target |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, bench in pypy["benchmarks"].items():
        loops = bench["loops"]
        target = PYPY_TARGETS.get(name, 1.0)
        lines.append(
            f"| {name} | {_rate(loops.get('ours'))} | {_rate(loops.get('asyncio'))} "
            f"| {_ratio(bench['ratios'].get('ours'))} | {target:.1f}x |"
        )
    floor = floor_note(pypy)
    if floor:
        lines += ["", floor]
    rows = []
    for name, bench in pypy["benchmarks"].items():
        ours = bench["loops"].get("ours", {})
        uvloop = record["benchmarks"].get(name, {}).get("loops", {}).get("uvloop", {})
        if "best" in ours and "best" in uvloop:
            target = PYPY_VS_UVLOOP_TARGETS.get(name)
            rows.append(
                f"| {name} | {ours['best']:,.0f} | {uvloop['best']:,.0f} "
                f"| {ours['best'] / uvloop['best']:.2f}x "
                f"| {'' if target is None else f'{target:.1f}x'} |"
            )
    if rows:
        lines += [
            "",
            f"Ours on PyPy against uvloop on CPython {record['machine']['python']}, "
            "best rates of the two runs:",
            "",
            "| benchmark | ours on PyPy ops/s | uvloop ops/s | ratio | target |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    return "\n".join(lines)


def markdown(record: Record) -> str:
    """The whole results page: title, machine, table and notes."""
    machine = record["machine"]
    return "\n".join(
        [
            f"# Benchmarks, {record['date']}",
            "",
            f"Python {machine['python']} on {machine['platform']}, "
            f"{machine['cpu_count']} CPUs. Command: `{record['command']}`",
            "",
            table(record),
            "",
            notes(record),
            "",
            *([pypy_section(record), ""] if "pypy" in record else []),
        ]
    )


def chart(record: Record, path: Path) -> None:
    """A bar chart of each loop's ratio to asyncio, with a line at 1.0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(record["benchmarks"])
    colors = {"ours": "tab:blue", "observed": "tab:cyan", "uvloop": "tab:gray"}
    width = 0.8 / len(RATIO_LOOPS)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.5 * len(names) + 2), 4.5))
    for index, loop in enumerate(RATIO_LOOPS):
        offset = (index - (len(RATIO_LOOPS) - 1) / 2) * width
        for position, name in enumerate(names):
            value = record["benchmarks"][name]["ratios"].get(loop)
            if value is None:
                continue
            bar = axes.bar(
                position + offset,
                value["best"],
                width,
                color=colors[loop],
                label=f"{loop} / asyncio",
            )
            axes.bar_label(bar, fmt="%.2fx", fontsize=8)
    for position, name in enumerate(names):
        target = record["benchmarks"][name]["target"]
        if target is not None and "ours" in record["benchmarks"][name]["ratios"]:
            left = position - 0.4
            axes.hlines(target, left, left + width, colors="black", linestyles="dotted")
    axes.axhline(1.0, color="tab:red", linewidth=1, label="asyncio = 1.0")
    axes.set_xticks(range(len(names)), names, rotation=20, ha="right")
    axes.set_ylabel("throughput relative to asyncio (best of rounds)")
    axes.set_title(
        f"loop benchmarks {record['date']}, Python {record['machine']['python']} "
        "(dotted: target for ours)",
        fontsize=10,
    )
    handles, labels = axes.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    axes.legend(unique.values(), unique.keys(), fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(record: Record, directory: Path) -> list[Path]:
    """``<date>.{json,md,png}`` and their ``latest.*`` copies; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / record["date"]
    written = [stem.with_suffix(".json"), stem.with_suffix(".md")]
    written[0].write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    written[1].write_text(markdown(record), encoding="utf-8")
    try:
        chart(record, stem.with_suffix(".png"))
    except ImportError:
        print("note: matplotlib is not installed: no chart", file=sys.stderr)
    else:
        written.append(stem.with_suffix(".png"))
    for path in list(written):
        latest = directory / ("latest" + path.suffix)
        shutil.copyfile(path, latest)
        written.append(latest)
    return written
