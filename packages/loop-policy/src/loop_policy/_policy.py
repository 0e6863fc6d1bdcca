"""The event loop policy: one current loop per OS thread, our loop by default.

asyncio's policy machinery (``asyncio.get_event_loop()``, ``asyncio.run()``
without a ``loop_factory``, ``asyncio.new_event_loop()``) asks the
installed policy for loops. ``EventLoopPolicy`` answers with loop-core's
loop and otherwise keeps the documented rules of asyncio's default policy,
deprecation warnings included, so a program cannot tell the two apart
except by the type of its loop.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import warnings
from types import FrameType

import loop_core

if sys.version_info >= (3, 14):
    # 3.14 deprecates the public name (policies are on their way out) and
    # warns on access; the class itself lives on under a private name.
    from asyncio.events import _AbstractEventLoopPolicy as PolicyBase
else:
    from asyncio import AbstractEventLoopPolicy as PolicyBase

__all__ = ["EventLoopPolicy", "PolicyBase"]

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

    Child watchers are not used: loop-core's loop (with loop-subprocess)
    reaps its children itself. ``set_child_watcher()`` keeps what it is
    given, unused; ``get_child_watcher()`` returns it, or raises
    NotImplementedError when none was set.
    """

    def __init__(self) -> None:
        self._local = _Local()
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

    # Child watchers: declared by AbstractEventLoopPolicy up to Python 3.13,
    # deprecated (with a warning from asyncio's policy) in 3.12, gone in
    # 3.14. Our loop reaps its own children, so a watcher is never used;
    # set_child_watcher() still accepts one, so that programs written for
    # asyncio's loop (which set a watcher to run subprocesses from threads)
    # run unchanged.
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

    def set_child_watcher(self, watcher: asyncio.AbstractChildWatcher | None) -> None:
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
