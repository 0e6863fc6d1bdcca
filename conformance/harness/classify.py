"""What a raw outcome means for the loop under test.

Categories, in the order the report lists them:

- ``passed`` (CPython's own expected failures count here too);
- ``failed``: a failure nobody expects: ``--quick`` exits non-zero on these;
- ``known``: a failure listed in expected.toml, with its reason;
- ``needs``: the test reached a loop method another distribution provides
  (the loop's ``NotImplementedError`` says "needs loop-X"), or it failed in a
  suite that ``requires`` a distribution that is not installed;
- ``fixed``: listed as a known failure but passed (remove it from the list);
- ``skipped``: skipped by CPython's test itself (platform, resources);
- ``na``: not applicable to a loop (expected.toml or the harness).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from typing import Any

from .expected import Expected
from .suites import Suite

CATEGORIES = ("passed", "failed", "known", "needs", "fixed", "skipped", "na")
NEEDS = re.compile(r"needs (loop-[a-z]+)")
_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


@dataclass(frozen=True)
class Verdict:
    category: str
    reason: str | None = None  # skip / n/a / known-failure reason, or the need
    essence: str | None = None  # one line from the traceback, for failures


def installed(distribution: str) -> bool:
    return importlib.util.find_spec(distribution.replace("-", "_")) is not None


def classify(raw: dict[str, Any], suite: Suite, loop: str, lists: Expected) -> Verdict:
    """The verdict for one ``done`` record of the worker."""
    outcome = raw["outcome"]
    variant = suite.name if suite.variant else None
    known = lists.failures_for(loop).match(raw["id"], variant)
    if outcome in ("pass", "xfail"):
        return Verdict("fixed", known) if known else Verdict("passed")
    if outcome == "skip":
        return Verdict("skipped", raw.get("reason"))
    if outcome == "na":
        return Verdict("na", raw.get("reason"))
    tb = raw.get("tb") or ""
    short = essence(tb)
    need = NEEDS.search(tb)
    if need and loop == "loop_core":
        return Verdict("needs", need.group(1), short)
    if known:
        # "needs loop-X: ..." lists a test that reaches loop-X where the
        # message cannot be seen (e.g. in a forked child)
        listed_need = NEEDS.match(known)
        if listed_need and loop == "loop_core" and not installed(listed_need[1]):
            return Verdict("needs", listed_need[1], short)
        return Verdict("known", known, short)
    if suite.requires and loop == "loop_core" and not installed(suite.requires):
        return Verdict("needs", suite.requires, short)
    return Verdict("failed", None, short)


def essence(tb: str) -> str:
    """``ExcType: message [file:line in func]`` from a traceback text.

    The frame shown is the innermost one in loop_core if there is one (where
    the loop went wrong), else the innermost frame of the last traceback.
    """
    text = tb.split("\nStdout:\n")[0].split("\nStderr:\n")[0]
    if text.startswith(("TIMEOUT", "CRASH")):
        return text.splitlines()[0]
    blocks = text.split("Traceback (most recent call last):\n")
    lines = blocks[-1].splitlines()
    frames = _frames(blocks[-1])
    exc_line = ""
    pending = False  # True between a frame and the first unindented line after it
    for line in lines:
        if _FRAME.match(line):
            pending, exc_line = True, ""
        elif pending and line and not line.startswith(" "):
            pending, exc_line = False, line
    ours = [f for block in blocks for f in _frames(block) if "loop_core" in f[0]]
    frame = ours[-1] if ours else (frames[-1] if frames else None)
    where = f" [{_short_path(frame[0])}:{frame[1]} in {frame[2]}]" if frame else ""
    first = exc_line or next((ln for ln in reversed(lines) if ln.strip()), "?")
    return first[:300] + where


def _frames(block: str) -> list[tuple[str, str, str]]:
    found = []
    for line in block.splitlines():
        match = _FRAME.match(line)
        if match:
            found.append((match["file"], match["line"], match["func"]))
    return found


def _short_path(path: str) -> str:
    for marker in ("/loop_core/", "/test_asyncio/", "/asyncio/", "/unittest/"):
        if marker in path:
            return marker.strip("/") + "/" + path.split(marker)[-1]
    return path.rsplit("/", 1)[-1]
