"""The blocking detector: the line a loop is stuck on, while it is stuck.

asyncio's debug mode names a slow callback after it returns, by its handle.
Here a watchdog thread reads the loop's probe (``current``: the callback
running, ``started``: since when); once one has run longer than the
threshold it samples the loop thread's stack with ``sys._current_frames()``
while the loop is still blocked, and reports the task, its coroutines and
the user's line: the innermost frame that is not the standard library,
an installed package, asyncio or the loop itself. The innermost frame of
all is given too ("inside"), e.g. the ``socket.py`` call that blocks.

One report per blocking episode. Repeats (the same task or callback stuck
on the same line) are counted and summarised at most once a minute.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import site
import sys
import sysconfig
import threading
import time
import types
import weakref
from collections.abc import Callable

import loop_core

from ._stats import attach

__all__ = ["BlockingDetector", "BlockingReport", "detect_blocking"]

logger = logging.getLogger("loop_observe")

_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200
REPEAT_WINDOW = 60.0


@dataclasses.dataclass(frozen=True)
class BlockingReport:
    """Where a blocked loop is stuck."""

    blocked_for: float  #: seconds blocked when the stack was sampled
    task: str | None  #: the task's name, when a task step is blocking
    coroutines: tuple[str, ...]  #: the coroutines on the stack, outermost first
    location: str  #: "file:line in function", the user's line
    inside: str | None  #: the innermost frame, when it is not ``location``
    stack: tuple[str, ...]  #: the user's frames, outermost first
    callback: str  #: what the loop was running (a task or a handle)
    count: int = 1  #: reports of this task/callback at this line so far

    def __str__(self) -> str:
        who = f"task {self.task!r}" if self.task else self.callback
        lines = [
            f"loop blocked for {self.blocked_for:.3f}s by {who} at {self.location}"
        ]
        if self.inside:
            lines.append(f"  inside {self.inside}")
        if self.coroutines:
            lines.append("  coroutines: " + " -> ".join(self.coroutines))
        if self.count > 1:
            lines.append(f"  (seen {self.count} times)")
        return "\n".join(lines)


def _library_dirs() -> tuple[str, ...]:
    """Where code that is not the user's lives."""
    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(path)
    try:
        dirs.update(site.getsitepackages())
    except AttributeError:  # some virtualenvs' site module
        pass
    dirs.add(os.path.dirname(asyncio.__file__))
    dirs.add(os.path.dirname(os.__file__))
    # Our own distributions, wherever they are installed (editable too).
    for name in (
        "loop_core",
        "loop_observe",
        "loop_policy",
        "loop_transports",
        "loop_streams",
        "loop_subprocess",
    ):
        module = sys.modules.get(name)
        if module is not None and module.__file__:
            dirs.add(os.path.dirname(module.__file__))
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


def _where(frame: types.FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _describe(handle: object) -> tuple[str | None, str]:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return owner.get_name(), repr(owner)
    return None, repr(handle)


def build_report(
    frame: types.FrameType, handle: object, blocked_for: float, library: tuple[str, ...]
) -> BlockingReport:
    """The report for a loop thread whose innermost frame is ``frame``."""
    frames: list[types.FrameType] = []
    current: types.FrameType | None = frame
    while current is not None:
        frames.append(current)
        current = current.f_back
    frames.reverse()  # outermost first

    def is_user(f: types.FrameType) -> bool:
        path = os.path.realpath(f.f_code.co_filename)
        return not path.startswith(library) and not path.startswith("<frozen")

    user = [f for f in frames if is_user(f)]
    # The stack above the loop's own run_forever is the program's start-up:
    # keep what the loop is running, i.e. the frames after its last frame.
    loop_depth = max(
        (
            i
            for i, f in enumerate(frames)
            if not is_user(f) and "loop_core" in f.f_code.co_filename
        ),
        default=-1,
    )
    running = [f for f in frames[loop_depth + 1 :] if is_user(f)] or user
    innermost = frames[-1]
    location_frame = running[-1] if running else innermost
    task, callback = _describe(handle)
    coroutines = tuple(
        f.f_code.co_qualname if hasattr(f.f_code, "co_qualname") else f.f_code.co_name
        for f in frames[loop_depth + 1 :]
        if f.f_code.co_flags & (_CO_COROUTINE | _CO_ASYNC_GENERATOR)
    )
    return BlockingReport(
        blocked_for=blocked_for,
        task=task,
        coroutines=coroutines,
        location=_where(location_frame),
        inside=None if innermost is location_frame else _where(innermost),
        stack=tuple(_where(f) for f in running),
        callback=callback,
    )


class BlockingDetector:
    """A watchdog thread for one loop; ``stop()`` ends it. It also ends
    by itself once the loop is closed or collected."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        threshold: float = 0.1,
        callback: Callable[[BlockingReport], object] | None = None,
    ) -> None:
        if threshold <= 0:
            raise ValueError(f"threshold must be positive, not {threshold!r}")
        self.threshold = threshold
        self.callback = callback
        self.reports: list[BlockingReport] = []  # the latest, newest last
        self._probe = attach(loop)
        self._loop = weakref.ref(loop)
        self._stopped = threading.Event()
        self._seen: dict[str, list[float]] = {}  # location -> [count, last]
        self._library = _library_dirs()
        self._thread = threading.Thread(
            target=self._watch, name="loop_observe-blocking-detector", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        period = min(self.threshold / 4, 0.25)
        reported: tuple[int, float] | None = None
        while not self._stopped.wait(period):
            loop = self._loop()
            if loop is None or loop.is_closed():
                return
            del loop
            handle, started = self._probe.current, self._probe.started
            if handle is None:
                continue
            blocked = time.monotonic() - started
            if blocked < self.threshold or reported == (id(handle), started):
                continue
            frame = self._loop_frame(handle)
            # Still the same callback after sampling? Else it just returned.
            if frame is None or self._probe.current is not handle:
                continue
            reported = (id(handle), started)
            self._report(build_report(frame, handle, blocked, self._library))

    def _loop_frame(self, handle: object) -> types.FrameType | None:
        """The loop thread's innermost frame: the thread whose stack runs
        the loop's timed iteration."""
        for frame in sys._current_frames().values():
            current: types.FrameType | None = frame
            while current is not None:
                if (
                    current.f_code.co_name == "_run_ready_timed"
                    and current.f_locals.get("self") is self._loop()
                ):
                    return frame
                current = current.f_back
        return None

    def _report(self, report: BlockingReport) -> None:
        # By the line only: a server's requests block in tasks of their own
        # (Task-8, Task-9, ...), and they are one problem, not many.
        key = report.location
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = [1, now]
        else:
            seen[0] += 1
            if now - seen[1] < REPEAT_WINDOW:
                return
            seen[1] = now
            report = dataclasses.replace(report, count=int(seen[0]))
        self.reports.append(report)
        del self.reports[:-100]
        logger.warning("%s", report)
        if self.callback is not None:
            try:
                self.callback(report)
            except Exception:
                logger.exception("blocking-report callback failed")


def detect_blocking(
    loop: asyncio.AbstractEventLoop,
    threshold: float = 0.1,
    callback: Callable[[BlockingReport], object] | None = None,
) -> BlockingDetector:
    """Watch ``loop`` from a thread; report each time one callback or task
    step has run longer than ``threshold`` seconds, while it still runs.
    TypeError for a loop that is not loop-core's."""
    if not isinstance(loop, loop_core.EventLoop):
        raise TypeError(
            f"loop_observe needs loop-core's loop, not {type(loop).__name__}"
        )
    return BlockingDetector(loop, threshold, callback)
