"""call_soon / call_later / call_at, on our loop and asyncio's."""

import asyncio
import contextvars

import pytest


def test_call_soon_runs_fifo_once(loop):
    calls = []
    for i in range(100):
        loop.call_soon(calls.append, i)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert calls == list(range(100))


def test_call_soon_context(loop):
    var = contextvars.ContextVar("var", default="default")
    ctx = contextvars.copy_context()
    ctx.run(var.set, "inside")
    seen = []
    loop.call_soon(lambda: seen.append(var.get()), context=ctx)
    loop.call_soon(lambda: seen.append(var.get()))
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert seen == ["inside", "default"]


def test_callbacks_after_stop_run_next_time(loop):
    calls = []

    def first():
        calls.append(1)
        loop.stop()
        loop.call_soon(calls.append, 2)

    loop.call_soon(first)
    loop.run_forever()
    assert calls == [1]
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert calls == [1, 2]


def test_stop_before_run_forever_runs_ready_once(loop):
    calls = []
    loop.call_soon(calls.append, 1)
    loop.stop()
    loop.run_forever()
    assert calls == [1]


def test_cancelled_handle_does_not_run(loop):
    calls = []
    h = loop.call_soon(calls.append, 1)
    h.cancel()
    assert h.cancelled()
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert calls == []


def test_call_later_order_and_when(loop):
    calls = []
    start = loop.time()
    t2 = loop.call_later(0.02, calls.append, 2)
    t1 = loop.call_later(0.01, calls.append, 1)
    loop.call_later(0.03, loop.stop)
    assert t1.when() >= start + 0.01
    assert t1 < t2
    loop.run_forever()
    assert calls == [1, 2]


def test_call_at_int_and_float(loop):
    calls = []
    loop.call_at(int(loop.time()), calls.append, "int")
    loop.call_at(loop.time(), calls.append, "float")
    loop.call_later(0, loop.stop)
    loop.run_forever()
    assert sorted(calls) == ["float", "int"]


def test_cancel_timer(loop):
    calls = []
    h = loop.call_later(0.001, calls.append, 1)
    h.cancel()
    loop.call_later(0.01, loop.stop)
    loop.run_forever()
    assert calls == []


def test_bad_delays(loop):
    with pytest.raises(TypeError):
        loop.call_later(None, print)
    with pytest.raises(TypeError):
        loop.call_at(None, print)
    with pytest.raises(TypeError):
        loop.call_later("1", print)


def test_coroutine_rejected_in_debug(loop):
    loop.set_debug(True)

    async def coro():
        pass

    with pytest.raises(TypeError, match="coroutines cannot be used"):
        loop.call_soon(coro)
    c = coro()
    with pytest.raises(TypeError):
        loop.call_soon(c)
    c.close()
    with pytest.raises(TypeError):
        loop.call_soon(42)


def test_closed_loop_refuses(loop):
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(print)
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_later(1, print)
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon_threadsafe(print)
    with pytest.raises(RuntimeError, match="closed"):
        loop.run_forever()
    loop.close()  # idempotent


def test_run_until_complete_result_and_error(loop):
    async def ok():
        await asyncio.sleep(0)
        return 7

    async def bad():
        raise KeyError("x")

    assert loop.run_until_complete(ok()) == 7
    with pytest.raises(KeyError):
        loop.run_until_complete(bad())


def test_running_loop_visible(loop):
    async def main():
        return asyncio.get_running_loop()

    assert loop.run_until_complete(main()) is loop
    assert not loop.is_running()


def test_exception_in_callback_reaches_handler(loop, loop_errors):
    def boom():
        raise ZeroDivisionError

    loop.call_soon(boom)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(loop_errors) == 1
    assert isinstance(loop_errors[0]["exception"], ZeroDivisionError)
    assert "Exception in callback" in loop_errors[0]["message"]
    loop_errors.clear()
