"""The handle call_soon_threadsafe() returns: cancelled from other threads."""

import asyncio
import contextvars
import threading

import loop_core
import pytest

var = contextvars.ContextVar("var", default="unset")

# asyncio's loop has locked handles where asyncio.events has the class (3.14,
# and the 3.12/3.13 bug-fix releases that got it); ours has them everywhere.
ASYNCIO_LOCKS = hasattr(asyncio.events, "_ThreadSafeHandle")


def _needs_locked_handles(loop):
    if not ASYNCIO_LOCKS and not isinstance(loop, loop_core.EventLoop):
        pytest.skip("this asyncio's call_soon_threadsafe returns a plain Handle")


def _in_thread(target):
    """Run ``target`` in a new thread; returns a join() that re-raises."""
    errors = []

    def run():
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(30)
        assert not thread.is_alive()
        if errors:
            raise errors[0]

    return join


def test_handle_type(loop):
    handle = loop.call_soon_threadsafe(print)
    assert isinstance(handle, asyncio.Handle)
    if ASYNCIO_LOCKS:
        assert isinstance(handle, asyncio.events._ThreadSafeHandle)
    handle.cancel()


def test_cancel_waits_for_a_running_callback(loop):
    _needs_locked_handles(loop)
    started = threading.Event()
    cancel_returned = threading.Event()
    log = []

    def callback():
        started.set()
        # The other thread's cancel() must not return while we run. Waiting
        # for it is the check: with no lock it returns at once.
        log.append(("returned while running", cancel_returned.wait(0.2)))
        log.append("finished")

    def other():
        handle = loop.call_soon_threadsafe(callback)
        assert started.wait(10)
        handle.cancel()
        cancel_returned.set()
        log.append("cancel returned")
        assert handle.cancelled()
        loop.call_soon_threadsafe(loop.stop)

    join = _in_thread(other)
    loop.run_forever()
    join()
    assert log == [("returned while running", False), "finished", "cancel returned"]


def test_cancelled_waits_for_a_running_callback(loop):
    _needs_locked_handles(loop)
    started = threading.Event()
    answered = threading.Event()
    log = []

    def callback():
        started.set()
        log.append(("answered while running", answered.wait(0.2)))

    def other():
        handle = loop.call_soon_threadsafe(callback)
        assert started.wait(10)
        log.append(("cancelled", handle.cancelled()))
        answered.set()
        loop.call_soon_threadsafe(loop.stop)

    join = _in_thread(other)
    loop.run_forever()
    join()
    assert log == [("answered while running", False), ("cancelled", False)]


def test_callback_cancels_its_own_handle(loop):
    # The lock is re-entrant: the callback runs to its end.
    handles = []
    log = []

    def callback():
        handles[0].cancel()
        log.append(("cancelled inside", handles[0].cancelled()))
        loop.stop()

    def other():
        handles.append(loop.call_soon_threadsafe(callback))

    _in_thread(other)()  # the handle is in the list before it runs
    loop.run_forever()
    assert log == [("cancelled inside", True)]
    assert handles[0].cancelled()


def test_cancelled_before_it_runs_never_runs(loop):
    ready = threading.Event()
    log = []

    def other():
        handle = loop.call_soon_threadsafe(log.append, "ran")
        handle.cancel()
        assert handle.cancelled()
        ready.set()
        loop.call_soon_threadsafe(loop.stop)

    # The loop is busy in this callback while the other thread schedules
    # and cancels.
    loop.call_soon(ready.wait, 10)
    join = _in_thread(other)
    loop.run_forever()
    join()
    loop.run_until_complete(asyncio.sleep(0))
    assert log == []


@pytest.mark.ours_only
def test_cancel_after_the_loop_looked_does_not_run(loop):
    # The iteration reads _cancelled without the lock, then runs the handle
    # as _context.run(_callback, *_args): a cancel() from another thread in
    # between must still win. Here the read happens by hand.
    log = []
    handle = loop.call_soon_threadsafe(log.append, "ran")
    assert not handle._cancelled
    runner, callback, args = handle._context, handle._callback, handle._args
    _in_thread(handle.cancel)()
    runner.run(callback, *args)
    assert log == []
    # And the fields as they read after the cancel do no harm either.
    assert handle._args == ()
    handle._context.run(handle._callback, *handle._args)
    assert log == []


def test_context_and_get_context(loop):
    ctx = contextvars.copy_context()
    ctx.run(var.set, "given")
    seen = []
    handle = loop.call_soon_threadsafe(lambda: seen.append(var.get()), context=ctx)
    if hasattr(handle, "get_context"):  # asyncio's from 3.12
        assert handle.get_context() is ctx
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert seen == ["given"]


def test_error_reported_with_the_handle(loop, loop_errors):
    def fail():
        raise ZeroDivisionError("threadsafe")

    handles = []

    def other():
        handles.append(loop.call_soon_threadsafe(fail))
        loop.call_soon_threadsafe(loop.stop)

    _in_thread(other)()
    loop.run_forever()
    (context,) = loop_errors
    loop_errors.clear()
    assert isinstance(context["exception"], ZeroDivisionError)
    assert context["handle"] is handles[0]
    assert "fail" in context["message"]


def test_repr_after_cancel(loop):
    handle = loop.call_soon_threadsafe(print, "x")
    assert "print" in repr(handle)
    handle.cancel()
    assert "cancelled" in repr(handle)
