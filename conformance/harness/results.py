"""Results of a run: one JSON file per Python version and loop.

``results/3.13-loop_core.json`` holds, per suite, the count of each
category, the tests that failed or need another distribution (id ->
category, reason, essence) and the n/a and skip reasons with their counts.
RESULTS.md is regenerated from every file in the folder, so runs on
different Pythons merge.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .classify import CATEGORIES, Verdict

FOLDER = Path(__file__).resolve().parent.parent / "results"


@dataclass
class SuiteResult:
    module: str
    duration: float = 0.0
    note: str | None = None  # module skipped, absent, worker trouble
    counts: dict[str, int] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)
    # n/a and skipped tests are only counted, per reason
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    flaky: list[str] = field(default_factory=list)  # passed only on the retry

    def add(self, test_id: str, verdict: Verdict) -> None:
        self.counts[verdict.category] = self.counts.get(verdict.category, 0) + 1
        if verdict.category == "needs" and verdict.reason:
            self.needs[verdict.reason] = self.needs.get(verdict.reason, 0) + 1
        if verdict.category in ("na", "skipped"):
            per_reason = self.reasons.setdefault(verdict.category, {})
            reason = verdict.reason or "(no reason)"
            per_reason[reason] = per_reason.get(reason, 0) + 1
        elif verdict.category != "passed":
            entry = {"category": verdict.category, "reason": verdict.reason}
            if verdict.essence:
                entry["essence"] = verdict.essence
            self.tests[test_id] = entry

    def count(self, category: str) -> int:
        return self.counts.get(category, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def ids(self, category: str) -> list[str]:
        return sorted(t for t, e in self.tests.items() if e["category"] == category)


@dataclass
class RunResult:
    python: str
    loop: str
    loop_version: str
    date: str
    mode: str
    suites: dict[str, SuiteResult] = field(default_factory=dict)
    # sys.implementation.name: PyPy runs its own copy of the suite
    implementation: str = "cpython"

    @property
    def key(self) -> str:
        """``3.13``, ``pypy3.11``: as in expected.toml and results/."""
        prefix = "pypy" if self.implementation == "pypy" else ""
        return prefix + ".".join(self.python.split(".")[:2])

    @property
    def label(self) -> str:
        """The interpreter as the report names it."""
        return f"PyPy {self.python}" if self.implementation == "pypy" else self.python

    @property
    def order(self) -> tuple[bool, tuple[int, ...], str]:
        return (
            self.implementation != "cpython",
            tuple(map(int, self.python.split(".")[:2])),
            self.loop,
        )

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter({c: 0 for c in CATEGORIES})
        for suite in self.suites.values():
            total.update(suite.counts)
        return total

    def save(self, folder: Path = FOLDER) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.key}-{self.loop}.json"
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")
        return path

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        suites = {name: SuiteResult(**s) for name, s in data.pop("suites").items()}
        return cls(**data, suites=suites)


def load_all(folder: Path = FOLDER) -> list[RunResult]:
    """Every saved run, oldest CPython first, then PyPy."""
    runs = [
        RunResult.from_json(json.loads(path.read_text()))
        for path in folder.glob("*.json")
    ]
    return sorted(runs, key=lambda r: r.order)
