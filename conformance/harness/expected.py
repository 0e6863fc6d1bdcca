"""The lists in expected.toml: what is not applicable, what is known to fail.

Each section maps a test id (``*`` and ``?`` wildcards allowed, e.g.
``test_base_events.*``; a variant suite's own entries are named
``test_streams[loop_streams].Class.test``) to a one-line reason. A section
has an ``all`` table for every Python and a ``"3.12"``-style table per
version; the version table wins where both match. PyPy's table is
``"pypy3.11"``: PyPy ships its own copy of the suite, so it reads no CPython
version's table. Sections:

- ``not_applicable``: not run on any loop (asyncio internals, fake clocks);
- ``known_failures``: fails on loop_core today; the reason says why;
- ``baseline_failures``: fails on asyncio's own loop under this harness
  (environment), so ``--loop asyncio`` can also be held to zero.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "expected.toml"
SECTIONS = ("not_applicable", "known_failures", "baseline_failures")


def python_key() -> str:
    """``3.14``; ``pypy3.11`` on PyPy, whose test suite is its own."""
    prefix = "pypy" if sys.implementation.name == "pypy" else ""
    return f"{prefix}{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass(frozen=True)
class Patterns:
    """One section for one Python: exact ids first, then patterns in order."""

    exact: dict[str, str]
    globs: list[tuple[re.Pattern[str], str, str]]

    def match(self, test_id: str, suite: str | None = None) -> str | None:
        """The reason ``test_id`` is listed, or None.

        ``suite`` is the suite's name when it is a variant
        (``test_streams[loop_streams]``): an entry under that name, e.g.
        ``test_streams[loop_streams].StreamTests.test_x``, is looked up
        first, then the plain id, which lists the test in every variant.
        """
        if suite is not None:
            module, _, rest = test_id.partition(".")
            if suite != module:
                found = self.match(f"{suite}.{rest}")
                if found is not None:
                    return found
        if test_id in self.exact:
            return self.exact[test_id]
        for regex, _pattern, reason in self.globs:
            if regex.match(test_id):
                return reason
        return None

    @classmethod
    def build(cls, entries: dict[str, str]) -> Patterns:
        exact: dict[str, str] = {}
        globs: list[tuple[re.Pattern[str], str, str]] = []
        for pattern, reason in entries.items():
            if any(ch in pattern for ch in "*?"):
                globs.append((_compile(pattern), pattern, reason))
            else:
                exact[pattern] = reason
        return cls(exact, globs)


def _compile(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` as in fnmatch; ``[`` is literal (variant names)."""
    parts = {"*": ".*", "?": "."}
    return re.compile("".join(parts.get(ch) or re.escape(ch) for ch in pattern) + r"\Z")


@dataclass(frozen=True)
class Expected:
    not_applicable: Patterns
    known_failures: Patterns
    baseline_failures: Patterns

    def failures_for(self, loop: str) -> Patterns:
        return self.known_failures if loop == "loop_core" else self.baseline_failures


def load(path: Path = PATH, python: str | None = None) -> Expected:
    """The sections of ``path`` that apply to ``python`` (default: running)."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ValueError(f"{path}: unknown sections {sorted(unknown)}")
    key = python or python_key()
    sections: dict[str, Patterns] = {}
    for name in SECTIONS:
        tables = data.get(name, {})
        merged = {**tables.get(key, {}), **tables.get("all", {})}
        # version-specific entries win over "all" for the same id
        merged.update(tables.get(key, {}))
        sections[name] = Patterns.build(merged)
    return Expected(**sections)
