"""A virtual clock for the loop under test: ``new_test_loop(gen)`` on our loop.

CPython's fake-clock tests (test_tasks' ``wait``, ``wait_for``,
``as_completed``, ``sleep`` ...) make ``test_utils.TestLoop(gen)``, a
``BaseEventLoop`` whose ``time()`` starts at 0 and moves only when told.
The test's generator ``gen`` is the clock's driver:

- it is started once (``next``) when the loop is made;
- after every iteration of the loop, each due time passed to ``call_at``
  (``call_later`` goes through it) during that iteration is sent to it, in
  order, and the value it yields back is how far the clock moves;
- ``close()`` sends it 0 once more and fails the test unless it finishes
  (the test expected more timers than the loop made);
- ``loop.advance_time(dt)`` moves the clock by hand.

What the tests check is Task, wait, wait_for and sleep behaviour at exact
virtual times, so they hold for any loop with such a clock. ``virtual_loop_class``
gives one for loop_core's ``EventLoop``: a subclass whose ``time()`` is the
virtual one, whose ``call_at`` records due times for ``gen``, and whose
poller never sleeps but steps the clock instead. Everything else (the timer
heap, the ready queue, the iteration itself) is loop_core's, unchanged.

One thing of loop_core is reached from outside its public API, and the
harness fails loudly if it moves: the poller (``loop._poller``) is wrapped,
because its ``poll()`` is the one call every iteration makes before it
looks at due timers. The loop skips ``poll()`` on busy iterations while the
wake-up pipe is its only fd, so the virtual loop watches one more, idle,
pipe, and so polls each time. (The clock needs no hook: the loop reads it
through ``self.time()``, as asyncio's does.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from typing import Any

Gen = Callable[[], Generator[Any, Any, Any]]


class HarnessMismatch(RuntimeError):
    """loop_core changed where the virtual clock hooks in."""


class _SteppingPoller:
    """The loop's poller, stepping the virtual clock instead of waiting."""

    def __init__(self, real: Any, loop: Any) -> None:
        self._real = real
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def poll(self, timeout: float, maxevents: int) -> Any:
        self._loop._virtual_step()
        # A timer's wait is virtual: never sleep for it. With nothing
        # scheduled (timeout -1) only another thread can wake the loop,
        # and it does so through the real wake-up pipe.
        return self._real.poll(timeout if timeout < 0 else 0, maxevents)


def virtual_loop_class(loop_class: type[Any]) -> type[Any]:
    """A subclass of loop_core's ``loop_class`` with ``TestLoop``'s clock."""

    class VirtualClockLoop(loop_class):  # type: ignore[misc,valid-type]
        """loop_core's loop on the clock of a test's generator."""

        def __init__(self, gen: Gen) -> None:
            super().__init__()
            if not hasattr(self, "_poller"):
                raise HarnessMismatch("the loop has no _poller to step the clock")
            self._virtual_now = 0.0
            # TestLoop's resolution: the tests compare times to 1e-7
            self._clock_resolution = 1e-9
            self._due_times: list[float] = []
            self._in_first_iteration = False
            self._gen = gen()
            next(self._gen)
            self._poller = _SteppingPoller(self._poller, self)
            self._idle_r, self._idle_w = os.pipe()
            self.add_reader(self._idle_r, _never_ready)

        def time(self) -> float:
            return self._virtual_now

        def advance_time(self, advance: float) -> None:
            """Move the clock by hand (``TestLoop.advance_time``)."""
            if advance:
                self._virtual_now += advance

        def call_at(
            self,
            when: float,
            callback: Callable[..., object],
            *args: Any,
            context: Any = None,
        ) -> Any:
            handle = super().call_at(when, callback, *args, context=context)
            self._due_times.append(when)
            return handle

        def call_later(
            self,
            delay: float,
            callback: Callable[..., object],
            *args: Any,
            context: Any = None,
        ) -> Any:
            # loop_core's call_later files the timer without call_at;
            # asyncio's goes through call_at, where TestLoop records it.
            if delay is None:
                raise TypeError("delay must not be None")
            return self.call_at(self.time() + delay, callback, *args, context=context)

        def _virtual_step(self) -> None:
            """At each poll: the previous iteration has ended; tell ``gen``."""
            if self._in_first_iteration:
                self._in_first_iteration = False
                return
            self._send_due_times()

        def _send_due_times(self) -> None:
            due, self._due_times = self._due_times, []
            for when in due:
                self.advance_time(self._gen.send(when))

        def run_forever(self) -> None:
            self._in_first_iteration = True
            super().run_forever()
            # the end of the last iteration
            if not self._in_first_iteration:
                self._send_due_times()

        def close(self) -> None:
            was_closed = self.is_closed()
            super().close()
            if was_closed:
                return
            os.close(self._idle_r)
            os.close(self._idle_w)
            try:
                self._gen.send(0)
            except StopIteration:
                pass
            else:
                raise AssertionError("Time generator is not finished")

    VirtualClockLoop.__qualname__ = f"VirtualClock{loop_class.__qualname__}"
    return VirtualClockLoop


def _never_ready() -> None:
    raise AssertionError("the virtual clock's idle pipe became readable")
