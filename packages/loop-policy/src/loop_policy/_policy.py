"""The event loop policy: one current loop per OS thread, our loop by default.

asyncio's policy machinery (``asyncio.get_event_loop()``, ``asyncio.run()``
without a ``loop_factory``, ``asyncio.new_event_loop()``) asks the
installed policy for loops. ``EventLoopPolicy`` answers with loop-core's
loop and otherwise keeps the documented rules of asyncio's default policy
of the running Python, deprecation warnings included, so a program cannot
tell the two apart except by the type of its loop.

The policy system is deprecated from Python 3.14 and gone in 3.16, so the
class is what ``install()`` uses on 3.11-3.13 only; it stays for code that
still installs it by hand, and never subclasses a name whose use warns.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import warnings
from types import FrameType
from typing import TYPE_CHECKING

import loop_core

__all__ = ["EventLoopPolicy", "PolicyBase"]


def _asyncio_policy_base() -> type:
    """asyncio's abstract policy class, found without touching a name that
    warns: 3.14 and 3.15 deprecate ``asyncio.AbstractEventLoopPolicy``
    (``asyncio.__getattr__`` warns) but keep the class in ``asyncio.events``
    under a private name; 3.11-3.13 have it there publicly. A Python
    without the policy system (3.16) has neither, and our policy then
    stands alone: nothing in asyncio would ask it for loops anyway."""
    events = asyncio.events
    for name in ("_AbstractEventLoopPolicy", "AbstractEventLoopPolicy"):
        base = getattr(events, name, None)
        if isinstance(base, type):
            return base
    return object


if TYPE_CHECKING:
    from asyncio import AbstractEventLoopPolicy as PolicyBase
else:
    PolicyBase = _asyncio_policy_base()


# 3.12 made the implicit creation of a loop by get_event_loop() warn (3.11,
# from 3.11.1 on, creates it silently), and deprecated child watchers.
_WARN_DEPRECATED = sys.version_info >= (3, 12)
# 3.14 completed that deprecation: no implicit loop, RuntimeError instead.
_IMPLICIT_LOOP = sys.version_info < (3, 14)


class _Local(threading.local):
    # Class attributes are the per-thread defaults of a threading.local.
    # The names are asyncio's policy's: code that peeks at
    # ``policy._local._loop`` (CPython's own tests do) reads ours the same.
    _loop: asyncio.AbstractEventLoop | None = None
    _set_called: bool = False


def _is_library_frame(module: object) -> bool:
    if not isinstance(module, str):
        return False
    top = module.partition(".")[0]
    return top in ("asyncio", "loop_policy")


def _caller_stacklevel() -> int:
    """The stacklevel that attributes a warning raised in
    ``EventLoopPolicy.get_event_loop`` to the first frame outside asyncio
    and loop_policy: the line a user can actually change."""
    # Seen from the warn() call in get_event_loop: 1 is get_event_loop
    # itself, 2 its caller, and so on up the stack.
    level = 2
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and _is_library_frame(frame.f_globals.get("__name__")):
        frame = frame.f_back
        level += 1
    return level


class EventLoopPolicy(PolicyBase):
    """asyncio's default policy rules, with loop-core's loop.

    Each OS thread has its own current loop. Only the main thread gets one
    made for it on first ``get_event_loop()`` (with a DeprecationWarning
    from Python 3.12 on, as asyncio's policy does), and only if
    ``set_event_loop()`` was never called there; other threads must set
    theirs. ``new_event_loop()`` never makes the new loop current.

    Child watchers (up to Python 3.13, where asyncio's policy has them) are
    not used: loop-core's loop (with loop-subprocess) reaps its children
    itself. ``set_child_watcher()`` keeps what it is given, unused;
    ``get_child_watcher()`` returns it, or raises NotImplementedError when
    none was set. From 3.14 neither method exists, as on asyncio's policy.
    """

    def __init__(self) -> None:
        self._local = _Local()
        # Unused from 3.14 (no child watchers); the annotation is never
        # evaluated, so the name asyncio 3.14 dropped costs nothing.
        self._watcher: asyncio.AbstractChildWatcher | None = None

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        state = self._local
        if (
            _IMPLICIT_LOOP
            and state._loop is None
            and not state._set_called
            and threading.current_thread() is threading.main_thread()
        ):
            if _WARN_DEPRECATED:
                warnings.warn(
                    "There is no current event loop",
                    DeprecationWarning,
                    stacklevel=_caller_stacklevel(),
                )
            # Through the public methods, so a subclass overriding either
            # one sees the implicit loop as it would an explicit one.
            self.set_event_loop(self.new_event_loop())
        loop = state._loop
        if loop is None:
            raise RuntimeError(
                "There is no current event loop in thread "
                f"{threading.current_thread().name!r}."
            )
        return loop

    def set_event_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        state = self._local
        # asyncio's policy records the call before checking the argument
        # (a rejected loop still turns off the implicit main-thread loop);
        # keep that order so the two policies cannot be told apart.
        state._set_called = True
        if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(
                "loop must be an instance of AbstractEventLoop or None, "
                f"not '{type(loop).__name__}'"
            )
        state._loop = loop

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        """A new loop-core loop (every installed extension available); it
        is not made current: call ``set_event_loop()`` for that."""
        return loop_core.new_event_loop()

    if sys.version_info < (3, 14):
        # Child watchers: declared by AbstractEventLoopPolicy up to 3.13,
        # deprecated (with a warning from asyncio's policy) in 3.12, gone in
        # 3.14. Our loop reaps its own children, so a watcher is never used;
        # set_child_watcher() still accepts one, so that programs written
        # for asyncio's loop (which set a watcher to run subprocesses from
        # threads) run unchanged.
        def get_child_watcher(self) -> asyncio.AbstractChildWatcher:
            """The watcher given to ``set_child_watcher()``; NotImplementedError
            when there is none, as loop-core's loop needs no watcher."""
            _warn_watcher_deprecated("get_child_watcher")
            if self._watcher is None:
                raise NotImplementedError(
                    "EventLoopPolicy has no child watcher: loop-core's loop reaps "
                    "child processes itself"
                )
            return self._watcher

        def set_child_watcher(
            self, watcher: asyncio.AbstractChildWatcher | None
        ) -> None:
            """Keep ``watcher`` for ``get_child_watcher()`` (closing the one it
            replaces, as asyncio's policy does) without attaching it to any
            loop: our loop never consults it, and an attached watcher could
            reap children the loop is waiting for."""
            _warn_watcher_deprecated("set_child_watcher")
            kind = getattr(asyncio, "AbstractChildWatcher", object)
            if watcher is not None and not isinstance(watcher, kind):
                raise TypeError(
                    "watcher must be an instance of AbstractChildWatcher or None, "
                    f"not '{type(watcher).__name__}'"
                )
            if self._watcher is not None and self._watcher is not watcher:
                self._watcher.close()
            self._watcher = watcher


def _warn_watcher_deprecated(name: str) -> None:
    if _WARN_DEPRECATED:
        warnings.warn(
            f"{name!r} is deprecated as of Python 3.12 and will be removed "
            "in Python 3.14.",
            DeprecationWarning,
            stacklevel=3,
        )
