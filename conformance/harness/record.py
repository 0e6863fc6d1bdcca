"""The ``TestResult`` of a worker: one JSON line per event, flushed at once.

Events (one object per line, key ``e``):

- ``start``: ``id`` is about to run (a later hang or crash is charged to it);
- ``done``: ``id`` finished with ``outcome`` in pass, fail, skip, na, xfail,
  with ``reason`` (skips) or ``tb`` (failures, captured output appended) and
  ``dur`` in seconds;
- ``module``: the module itself was skipped at import (``reason``);
- ``dropped``: the variant classes of the module that are not run;
- ``end``: the worker got to the end of its list.

Each test runs under a watchdog: past its timeout, faulthandler writes every
thread's stack to the hang file and ends the process (see ``worker``).

Class- and module-level fixtures that fail are reported by unittest under
an id like ``setUpClass (test.test_asyncio.test_x.C)``; they are recorded
as one ``done`` line of their own.
"""

from __future__ import annotations

import faulthandler
import json
import time
import unittest
from types import TracebackType
from typing import IO, Any

from .adapt import NOT_APPLICABLE
from .collect import short_id

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]
MAX_TRACEBACK = 20_000
# what unittest reports class and module fixture errors as
_ERROR_HOLDER: type = getattr(unittest.suite, "_ErrorHolder")


class Events:
    """A JSON-lines sink."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def emit(self, event: str, **fields: Any) -> None:
        self.stream.write(json.dumps({"e": event, **fields}) + "\n")
        self.stream.flush()


class StreamingResult(unittest.TestResult):
    """Collect each test's outcome (subtests folded in) and emit it."""

    def __init__(self, events: Events, watchdog: tuple[float, IO[str]]) -> None:
        super().__init__()
        self.watchdog = watchdog
        self.buffer = True  # captured output is appended to failure tracebacks
        self.events = events
        self._outcome: dict[str, Any] = {}
        self._started = 0.0

    def _id(self, test: Any) -> str:
        return short_id(test.id())

    # -- lifecycle -------------------------------------------------------
    def startTest(self, test: unittest.TestCase) -> None:
        self._outcome = {"outcome": "pass"}
        self._started = time.monotonic()
        self.events.emit("start", id=self._id(test))
        timeout, hang_file = self.watchdog
        faulthandler.dump_traceback_later(timeout, exit=True, file=hang_file)
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        faulthandler.cancel_dump_traceback_later()
        duration = round(time.monotonic() - self._started, 3)
        self.events.emit("done", id=self._id(test), dur=duration, **self._outcome)

    def _set(self, test: Any, **outcome: Any) -> None:
        if isinstance(test, _ERROR_HOLDER):
            # a fixture outside startTest/stopTest: its own line
            self.events.emit("done", id=self._id(test), dur=0.0, **outcome)
        elif self._outcome.get("outcome") != "fail":
            self._outcome = outcome

    def _failed(self, test: Any, err: ExcInfo) -> None:
        text: str = getattr(self, "_exc_info_to_string")(err, test)
        if len(text) > MAX_TRACEBACK:
            text = (
                text[: MAX_TRACEBACK // 2] + "\n[...]\n" + text[-MAX_TRACEBACK // 2 :]
            )
        self._set(test, outcome="fail", tb=text)

    # -- outcomes --------------------------------------------------------
    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self._failed(test, err)

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self._failed(test, err)

    def addSubTest(self, test: Any, subtest: Any, err: Any) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed(test, err)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        if reason.startswith(NOT_APPLICABLE):
            self._set(test, outcome="na", reason=reason.removeprefix(NOT_APPLICABLE))
        else:
            self._set(test, outcome="skip", reason=reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addExpectedFailure(test, err)
        self._set(test, outcome="xfail", reason="expected failure (CPython)")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._set(test, outcome="fail", tb="unexpected success\n")
