"""Unix signal handlers that run as loop callbacks.

Facts about signals that shape this module:

- Python runs a signal's Python-level handler in the main thread, between
  bytecodes. Ours only appends the registered handle to the ready queue, so
  the user's callback runs later, in the loop, like any other callback.
- The loop may run in another thread than the main one. Its poll() can
  then wake on the C-level handler's byte (below), find the queue empty
  because the main thread has not yet run the Python-level handler, and
  sleep again: so that handler wakes a sleeping loop itself, as
  call_soon_threadsafe() does.
- A loop asleep in epoll_wait() would not notice: PEP 475 makes the wait
  resume after the handler. ``signal.set_wakeup_fd`` makes the C-level
  handler write a byte to our wake-up pipe, which ends the wait.
- set_wakeup_fd only works in the main thread, hence add_signal_handler's
  RuntimeError elsewhere. The wake-up fd is one per process, so loops that
  install theirs form a chain: each remembers the fd it replaced, and the
  last handler's removal puts that fd back. A loop leaving out of order
  (not the current one) hands its predecessor to the loop that replaced it,
  so nobody ever restores a pipe that was closed and whose number may now
  belong to somebody's socket.
"""

from __future__ import annotations

import asyncio
import signal
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._errors import logger
from ._handles import Handle

if TYPE_CHECKING:
    from ._selfpipe import SelfPipe

__all__ = ["SignalsMixin"]

# Our wake-up pipe's write fd -> the wake-up fd it replaced (process-wide,
# like the wake-up fd itself; only the main thread touches it).
_replaced: dict[int, int] = {}


def _install_wakeup_fd(fd: int) -> None:
    previous = signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    if fd not in _replaced and previous != fd:
        _replaced[fd] = previous


def _remove_wakeup_fd(fd: int) -> None:
    if fd not in _replaced:
        return
    previous = _replaced.pop(fd)
    current = signal.set_wakeup_fd(previous)
    if current != fd:
        # Another loop installed itself after us and is still current.
        signal.set_wakeup_fd(current)
        for later, replaced in _replaced.items():
            if replaced == fd:
                _replaced[later] = previous


def _check_signal(sig: object) -> int:
    if not isinstance(sig, int):
        raise TypeError(f"sig must be an int, not {sig!r}")
    if sig not in signal.valid_signals():
        raise ValueError(f"invalid signal number {sig}")
    return sig


class SignalsMixin:
    _signal_handlers: dict[int, Handle]
    _ready: deque[Handle]
    _self_pipe: SelfPipe
    _polling: bool

    def _init_signals(self) -> None:
        self._signal_handlers = {}

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        handle = self._signal_handlers.get(signum)
        if handle is not None and not handle._cancelled:
            self._ready.append(handle)
            # The C-level handler's byte may have been read already by a
            # loop running in another thread than this (the main) one,
            # which then went back to sleep: wake it as a thread would.
            if self._polling:
                self._self_pipe.wake()

    def add_signal_handler(
        self, sig: int, callback: Callable[..., object], *args: Any
    ) -> None:
        # asyncio's order: coroutine, signal, closed loop; a non-callable
        # (which asyncio accepts until the signal comes) last.
        if callable(callback) or asyncio.iscoroutine(callback):
            self._check_callback(callback, "add_signal_handler")
        sig = _check_signal(sig)
        self._check_closed()
        self._check_callback(callback, "add_signal_handler")
        try:
            _install_wakeup_fd(self._self_pipe.write_fd)
        except (ValueError, OSError) as exc:
            raise RuntimeError(str(exc))
        old = self._signal_handlers.get(sig)
        self._signal_handlers[sig] = Handle(callback, args, self, None)  # type: ignore[arg-type]
        try:
            signal.signal(sig, self._on_signal)
            signal.siginterrupt(sig, False)
        except OSError as exc:
            if old is None:
                del self._signal_handlers[sig]
            else:
                self._signal_handlers[sig] = old
            if not self._signal_handlers:
                self._restore_wakeup_fd()
            if exc.errno == 22:  # EINVAL: SIGKILL, SIGSTOP
                raise RuntimeError(f"sig {sig:d} cannot be caught")
            raise
        if old is not None:
            old.cancel()

    def remove_signal_handler(self, sig: int) -> bool:
        sig = _check_signal(sig)
        handle = self._signal_handlers.pop(sig, None)
        if handle is None:
            return False
        handle.cancel()
        default = signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
        try:
            signal.signal(sig, default)
        except OSError as exc:
            if exc.errno == 22:
                raise RuntimeError(f"sig {sig:d} cannot be caught")
            raise
        if not self._signal_handlers:
            self._restore_wakeup_fd()
        return True

    def _restore_wakeup_fd(self) -> None:
        try:
            _remove_wakeup_fd(self._self_pipe.write_fd)
        except (ValueError, OSError) as exc:
            logger.info("could not restore the signal wake-up fd: %s", exc)

    def _close_signals(self) -> None:
        for sig in list(self._signal_handlers):
            try:
                self.remove_signal_handler(sig)
            except (ValueError, RuntimeError, OSError) as exc:
                # Closing from a non-main thread: signal.signal() refuses.
                logger.warning("could not remove handler for signal %d: %s", sig, exc)
                self._signal_handlers.pop(sig, None)

    if TYPE_CHECKING:  # provided by the loop and the other mixins

        def _check_closed(self) -> None: ...
        @staticmethod
        def _check_callback(callback: Callable[..., object], method: str) -> None: ...
