"""Debug mode: slow-callback reports, thread checks, PYTHONASYNCIODEBUG."""

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest


def busy_wait(seconds):
    # A measured duration, not synchronisation: the callback must be slow.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def slow_reports(caplog):
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "asyncio"
        and r.levelname == "WARNING"
        and "Executing" in r.getMessage()
    ]


def test_get_set_debug(loop):
    loop.set_debug(True)
    assert loop.get_debug() is True
    loop.set_debug(False)
    assert loop.get_debug() is False


def test_slow_callback_logged(loop, caplog):
    def slowpoke():
        busy_wait(0.05)

    loop.set_debug(True)
    loop.slow_callback_duration = 0.01
    loop.call_soon(slowpoke)
    loop.call_soon(loop.stop)
    loop.run_forever()
    (message,) = slow_reports(caplog)
    assert "slowpoke" in message


def test_slow_timer_callback_named_as_timer(loop, caplog):
    def slowpoke():
        busy_wait(0.05)

    loop.set_debug(True)
    loop.slow_callback_duration = 0.01
    loop.call_later(0.001, slowpoke)
    loop.call_later(0.002, loop.stop)
    loop.run_forever()
    (message,) = slow_reports(caplog)
    assert "<TimerHandle when=" in message and "slowpoke" in message


def test_fast_callbacks_not_logged(loop, caplog):
    loop.set_debug(True)
    loop.slow_callback_duration = 10
    loop.call_soon(busy_wait, 0.001)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert slow_reports(caplog) == []


def test_slow_task_step_names_the_task(loop, caplog):

    async def crunch():
        await asyncio.sleep(0)
        busy_wait(0.05)

    loop.set_debug(True)
    loop.slow_callback_duration = 0.01
    loop.run_until_complete(loop.create_task(crunch(), name="cruncher"))
    (message,) = slow_reports(caplog)
    assert "cruncher" in message


@pytest.mark.parametrize("method", ["call_soon", "call_later", "call_at"])
def test_other_thread_refused_while_running(loop, method):
    loop.set_debug(True)
    call = {
        "call_soon": lambda: loop.call_soon(print),
        "call_later": lambda: loop.call_later(1, print),
        "call_at": lambda: loop.call_at(loop.time() + 1, print),
    }[method]

    def attempt():
        try:
            call()
        except RuntimeError as exc:
            return exc
        return None

    async def main():
        return await loop.run_in_executor(None, attempt)

    error = loop.run_until_complete(main())
    assert isinstance(error, RuntimeError)
    assert "Non-thread-safe operation" in str(error)


def test_other_thread_allowed_when_not_running(loop):
    loop.set_debug(True)
    calls = []
    t = threading.Thread(target=loop.call_soon, args=(calls.append, 1))
    t.start()
    t.join()
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert calls == [1]


def test_source_traceback_in_error_context(loop, loop_errors):
    loop.set_debug(True)

    def boom():
        raise ZeroDivisionError

    loop.call_soon(boom)
    loop.call_soon(loop.stop)
    loop.run_forever()
    (context,) = loop_errors
    loop_errors.clear()
    here = sys._getframe().f_code.co_name
    frames = context["source_traceback"]
    assert any(f.filename == __file__ and f.name == here for f in frames)


def test_coroutine_origin_tracking(loop):
    loop.set_debug(False)  # PYTHONASYNCIODEBUG / -X dev turn it on
    before = sys.get_coroutine_origin_tracking_depth()

    async def main():
        depths = [sys.get_coroutine_origin_tracking_depth()]
        loop.set_debug(True)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        depths.append(sys.get_coroutine_origin_tracking_depth())
        return depths

    off, on = loop.run_until_complete(main())
    assert off == before
    assert on > 0
    assert sys.get_coroutine_origin_tracking_depth() == before


MAKE = {
    "loop_core": "import loop_core; loop = loop_core.EventLoop()",
    "asyncio": "import asyncio; loop = asyncio.new_event_loop()",
}


@pytest.mark.parametrize("kind", list(MAKE))
@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        ([], None, "False"),
        ([], "1", "True"),
        (["-E"], "1", "False"),
        (["-X", "dev"], None, "True"),
    ],
    ids=["plain", "env", "env-ignored", "dev-mode"],
)
def test_debug_from_environment(kind, flags, env, expected):
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    if env is not None:
        environ["PYTHONASYNCIODEBUG"] = env
    code = MAKE[kind] + "; print(loop.get_debug()); loop.close()"
    out = subprocess.run(
        [sys.executable, *flags, "-c", code],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.strip() == expected


def test_handle_source_traceback_ends_at_the_caller(loop):
    """Debug mode records where a callback was scheduled: the last frame
    is the user's call, never the loop's own code."""
    loop.set_debug(True)
    made = []
    made.append((loop.call_soon(print), sys._getframe().f_lineno))
    made.append((loop.call_soon_threadsafe(print), sys._getframe().f_lineno))
    made.append((loop.call_later(10, print), sys._getframe().f_lineno))
    made.append((loop.call_at(loop.time() + 10, print), sys._getframe().f_lineno))
    for handle, line in made:
        last = handle._source_traceback[-1]
        assert (last.filename, last.lineno, last.name) == (
            __file__,
            line,
            "test_handle_source_traceback_ends_at_the_caller",
        )
        handle.cancel()


def test_handle_source_traceback_keeps_the_innermost_frames(loop):
    """Like asyncio, debug mode keeps the last few frames of where a
    callback was scheduled, not the whole stack: it is done for every
    callback, so its cost must not grow with the stack's depth."""
    loop.set_debug(True)

    def deep(depth):
        if depth:
            return deep(depth - 1)
        return loop.call_soon(print), sys._getframe().f_lineno

    handle, line = deep(50)
    frames = handle._source_traceback
    assert 1 <= len(frames) <= 10
    assert all(f.name == "deep" for f in frames[-5:])
    assert (frames[-1].filename, frames[-1].lineno) == (__file__, line)
    handle.cancel()


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="frees by reference counting"
)
@pytest.mark.parametrize("debug", [False, True])
def test_failed_task_is_freed_without_the_collector(loop, debug):
    # The loop keeps no reference to the last callback it ran: a failed
    # task is freed when its last owner drops it, not by a gc pass (a cycle
    # through the task's exception and the loop's frame would keep it).
    import gc
    import weakref

    class Boom(Exception):
        pass

    async def fail():
        raise Boom

    async def main():
        task = loop.create_task(fail())
        try:
            await task
        except Boom as exc:
            error = exc
        gone = weakref.ref(task)
        del task
        await asyncio.sleep(0)
        del error
        return gone() is None

    loop.set_debug(debug)
    enabled = gc.isenabled()
    gc.disable()
    try:
        freed = loop.run_until_complete(asyncio.wait_for(main(), timeout=10))
    finally:
        if enabled:
            gc.enable()
    assert freed
