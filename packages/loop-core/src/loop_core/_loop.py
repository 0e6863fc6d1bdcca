"""The event loop: the ready queue and the iteration.

Everything here is on the hot path or next to it. The iteration
(``_run``) binds what it touches to locals and inlines what asyncio spreads
over several calls: polling is skipped when there is work queued and no fd
to watch, the timer queue (``_timers.TimerQueue``) is called only when a
timer is due, and handles are run without a method call each.

Feature groups live in mixins, one module each; this module only assembles
them and owns the scheduling core.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from contextvars import Context, copy_context
from typing import Any, TypeVar, TypeVarTuple, Unpack

from . import extensions
from ._debug import DebugMixin
from ._errors import ErrorsMixin, logger
from ._executor import ExecutorMixin
from ._fdwatch import FdWatchMixin
from ._handles import Handle, drop_own_frames
from ._poller import POLLIN, READ_EVENTS, WRITE_EVENTS, make_poller
from ._probe import TimedMixin
from ._resolver import ResolverMixin
from ._selfpipe import SelfPipe
from ._signals import SignalsMixin
from ._sockops import SockOpsMixin
from ._stubs import ExtensionMethods
from ._tasks import TasksMixin
from ._threadsafe import ThreadSafeHandle
from ._timers import TimersMixin

__all__ = ["EventLoop", "new_event_loop"]

_T = TypeVar("_T")
_new = object.__new__
_Ts = TypeVarTuple("_Ts")

# asyncio caps select() timeouts at one day; so do we.
_MAX_TIMEOUT = 24 * 3600
_INF = float("inf")
# With work queued and no fd to watch, poll (and so release the GIL) only
# every this many iterations: threads waiting for the GIL still get it
# promptly, and a busy loop spends a fraction of a syscall per iteration.
_POLL_EVERY = 16
_NO_EVENTS: list[tuple[int, int]] = []
# A free-threaded build running without its GIL (it cannot be turned off
# again once it is on, so the answer at import holds or errs on the safe side).
_NO_GIL = not getattr(sys, "_is_gil_enabled", lambda: True)()


def _env_debug() -> bool:
    return sys.flags.dev_mode or (
        not sys.flags.ignore_environment and bool(os.environ.get("PYTHONASYNCIODEBUG"))
    )


def _stop_when_done(fut: asyncio.Future[Any]) -> None:
    # A SystemExit/KeyboardInterrupt from the future already unwinds
    # run_forever(); stopping as well would leave a stale stop request.
    if not fut.cancelled():
        exc = fut.exception()
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            return
    fut.get_loop().stop()


# The mixins' signatures are looser than typeshed's (``*args: Any`` where it
# uses TypeVarTuple); behaviour is asyncio's, hence the ignore.
class EventLoop(  # type: ignore[misc]
    ExtensionMethods,
    TimersMixin,
    FdWatchMixin,
    SockOpsMixin,
    ResolverMixin,
    SignalsMixin,
    ExecutorMixin,
    TasksMixin,
    ErrorsMixin,
    DebugMixin,
    TimedMixin,
    asyncio.AbstractEventLoop,
):
    """A complete asyncio event loop.

    ``poller`` picks the readiness API: ``"epoll"`` (Linux, the default
    there) or ``"selectors"`` (the portable fallback).
    """

    def __init__(self, *, poller: str | None = None) -> None:
        self._closed = False
        self._stopping = False
        self._thread_id: int | None = None
        self._debug = _env_debug()
        self._init_probe()
        self.slow_callback_duration = 0.1
        self._ready: deque[Handle] = deque()
        self._init_timers()
        self._clock_resolution = time.get_clock_info("monotonic").resolution
        self._polling = False
        self._poller = make_poller(poller)
        self._readers: dict[int, Handle] = {}
        self._writers: dict[int, Handle] = {}
        self._fd_objects: dict[int, object] = {}
        self._fd_transports: weakref.WeakValueDictionary[int, Any] = (
            weakref.WeakValueDictionary()
        )
        self._init_errors()
        self._init_executor()
        self._init_tasks()
        self._init_signals()
        self._self_pipe = SelfPipe()
        # The wake-up pipe is an ordinary reader; _run relies on it being
        # the one fd always registered.
        self._readers[self._self_pipe.read_fd] = Handle(self._self_pipe.drain, (), self)
        self._poller.set(self._self_pipe.read_fd, POLLIN)
        # Read the extension entry points now, while no loop runs: the first
        # create_connection()/subprocess_exec() must not do filesystem I/O
        # from inside the loop (once per process; a no-op afterwards).
        extensions.preload()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} running={self.is_running()} "
            f"closed={self._closed} debug={self._debug}>"
        )

    # -- the clock and scheduling ------------------------------------------

    def call_soon(
        self,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> Handle:
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_soon")
            handle = Handle(callback, args, self, context)
            drop_own_frames(handle, 1)
        else:
            if not callable(callback):
                self._check_callback(callback, "call_soon")
            # Handle.__init__, inlined: the frame it costs is a quarter of
            # a call_soon() (see Handle for the fields).
            handle = _new(Handle)
            handle._context = copy_context() if context is None else context
            handle._loop = self
            handle._callback = callback
            handle._args = args
            handle._cancelled = False
            handle._repr = None
            handle._source_traceback = None
        self._ready.append(handle)
        return handle

    def call_soon_threadsafe(
        self,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> Handle:
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug or not callable(callback):
            self._check_callback(callback, "call_soon_threadsafe")
        handle = ThreadSafeHandle(callback, args, self, context)
        drop_own_frames(handle, 1)
        self._ready.append(handle)
        # Only a loop asleep in poll() needs the wake-up byte; the flag is
        # set before the loop looks at the queue (see _run), so no wake-up
        # is lost between the two. That takes the GIL's ordering of the two
        # threads' stores and loads; without a GIL every call wakes, as
        # asyncio's do (README: "Facts about threads").
        if self._polling or _NO_GIL:
            self._self_pipe.wake()
        return handle

    # -- running and stopping ----------------------------------------------

    def is_running(self) -> bool:
        return self._thread_id is not None

    def is_closed(self) -> bool:
        return self._closed

    def stop(self) -> None:
        self._stopping = True

    def _check_closed(self) -> None:
        if self._closed:
            raise RuntimeError("Event loop is closed")

    def _check_running(self) -> None:
        if self.is_running():
            raise RuntimeError("This event loop is already running")
        if asyncio.events._get_running_loop() is not None:
            raise RuntimeError(
                "Cannot run the event loop while another loop is running"
            )

    def run_forever(self) -> None:
        self._check_closed()
        self._check_running()
        old_hooks = sys.get_asyncgen_hooks()
        self._set_coroutine_origin_tracking(self._debug)
        try:
            self._thread_id = threading.get_ident()
            sys.set_asyncgen_hooks(
                firstiter=self._asyncgen_firstiter_hook,
                finalizer=self._asyncgen_finalizer_hook,
            )
            asyncio.events._set_running_loop(self)
            self._run()
        finally:
            self._stopping = False
            self._polling = False  # in case poll() was interrupted
            self._thread_id = None
            asyncio.events._set_running_loop(None)
            self._set_coroutine_origin_tracking(False)
            sys.set_asyncgen_hooks(*old_hooks)

    def run_until_complete(
        self, future: Awaitable[_T] | Generator[Any, None, _T]
    ) -> _T:
        self._check_closed()
        self._check_running()
        new_task = not asyncio.isfuture(future)
        fut: asyncio.Future[_T] = asyncio.ensure_future(future, loop=self)  # type: ignore[arg-type]
        if new_task:
            # The task is ours: an error in it is raised below, so it must
            # not also be logged as "never retrieved".
            fut._log_destroy_pending = False  # type: ignore[attr-defined]
        fut.add_done_callback(_stop_when_done)
        try:
            self.run_forever()
        except BaseException:
            if new_task and fut.done() and not fut.cancelled():
                fut.exception()  # mark it retrieved; the error propagates
            raise
        finally:
            fut.remove_done_callback(_stop_when_done)
        if not fut.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return fut.result()

    def _run(self) -> None:
        """Iterate until stop(): poll, move due timers, run what is ready.

        Callbacks that become ready while a batch runs wait for the next
        iteration, as in asyncio, so stop() and I/O fairness behave alike.
        """
        ready = self._ready
        popleft = ready.popleft
        append = ready.append
        timers = self._timers
        pop_due = timers.pop_due
        poller = self._poller
        masks = poller.masks
        readers = self._readers
        writers = self._writers
        resolution = self._clock_resolution
        skipped = 0
        while True:
            if ready or self._stopping:
                # Only the wake-up pipe watched: nothing to hear (threads
                # append to the queue directly), so most iterations skip
                # the syscall; see _POLL_EVERY.
                if len(masks) > 1 or skipped >= _POLL_EVERY:
                    events = poller.poll(0, len(masks))
                    skipped = 0
                else:
                    events = _NO_EVENTS
                    skipped += 1
            else:
                self._polling = True
                if ready:  # a thread queued work before we raised the flag
                    timeout = 0.0
                elif timers.next_due != _INF:
                    timeout = timers.next_due - self.time()
                    if timeout < 0:
                        timeout = 0.0
                    elif timeout > _MAX_TIMEOUT:
                        timeout = _MAX_TIMEOUT
                else:
                    timeout = -1
                if timeout == 0.0 and len(masks) == 1 and skipped < _POLL_EVERY:
                    # A timer is already due: nothing to wait for, and with
                    # only the wake-up pipe watched nothing to hear either.
                    events = _NO_EVENTS
                    skipped += 1
                else:
                    events = poller.poll(timeout, len(masks))
                    skipped = 0
                self._polling = False
            for fd, ev in events:
                if ev & READ_EVENTS:
                    handle = readers.get(fd)
                    if handle is not None:
                        append(handle)
                if ev & WRITE_EVENTS:
                    handle = writers.get(fd)
                    if handle is not None:
                        append(handle)
            due = timers.next_due
            if due != _INF:
                end = self.time() + resolution
                if due <= end:
                    pop_due(end, append)
            ntodo = len(ready)
            if self._timed:  # debug mode, or a probe attached
                self._run_ready_timed(ntodo)
            else:
                for _ in range(ntodo):
                    handle = popleft()
                    if handle._cancelled:
                        continue
                    try:
                        # Transport callbacks take no arguments, a task's
                        # wake-up one (the future): sparing them the *args
                        # call is a third of the cost of running a handle.
                        if not handle._args:
                            handle._context.run(handle._callback)
                        elif len(handle._args) == 1:
                            handle._context.run(handle._callback, handle._args[0])
                        else:
                            handle._context.run(handle._callback, *handle._args)
                    except (SystemExit, KeyboardInterrupt):
                        raise
                    except BaseException as exc:
                        self._report_callback_error(handle, exc)
                # As asyncio's _run_once: no reference to the last callback
                # (and what it holds) survives the batch.
                handle = None
            if self._stopping:
                break

    def close(self) -> None:
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self._closed:
            return
        if self._debug:
            logger.debug("Close %r", self)
        self._close_signals()
        self._closed = True
        self._ready.clear()
        self._timers.clear()
        self._close_executor()
        for handle in self._readers.values():
            handle.cancel()
        for handle in self._writers.values():
            handle.cancel()
        self._readers.clear()
        self._writers.clear()
        self._fd_objects.clear()
        self._poller.close()
        self._self_pipe.close()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if not getattr(self, "_closed", True):
            _warn(f"unclosed event loop {self!r}", ResourceWarning, source=self)
            if not self.is_running():
                self.close()


def new_event_loop() -> EventLoop:
    """A new loop, with every installed extension available on it."""
    return EventLoop()
