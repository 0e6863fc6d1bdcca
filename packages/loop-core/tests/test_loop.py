"""Running, stopping and closing: the loop's life cycle and its errors."""

import asyncio

import pytest


def test_stopped_before_future_completed(loop):
    fut = loop.create_future()
    loop.call_soon(loop.stop)
    with pytest.raises(RuntimeError) as info:
        loop.run_until_complete(fut)
    assert str(info.value) == "Event loop stopped before Future completed."
    assert not loop.is_running()
    # The loop is still usable.
    loop.call_soon(fut.set_result, 5)
    assert loop.run_until_complete(fut) == 5


# One nested attempt per test: after a refused nested run_forever(), 3.13.0's
# own loop forgets that it is running (fixed in 3.13.1).
@pytest.mark.parametrize("how", ["run_forever", "run_until_complete"])
def test_run_while_running(loop, how):
    errors = []
    fut = loop.create_future()
    attempt = {
        "run_forever": loop.run_forever,
        "run_until_complete": lambda: loop.run_until_complete(fut),
    }[how]

    def nested():
        try:
            attempt()
        except RuntimeError as exc:
            errors.append(str(exc))
        loop.stop()

    loop.call_soon(nested)
    loop.run_forever()
    assert len(errors) == 1
    assert "already running" in errors[0]


def test_run_while_another_loop_runs(loop_factory):
    outer, inner = loop_factory(), loop_factory()
    errors = []

    def nested():
        try:
            inner.run_forever()
        except RuntimeError as exc:
            errors.append(exc)
        outer.stop()

    outer.call_soon(nested)
    outer.run_forever()
    assert len(errors) == 1
    assert not inner.is_running()
    outer.close()
    inner.close()


def test_is_running(loop):
    seen = []
    loop.call_soon(lambda: seen.append(loop.is_running()))
    loop.call_soon(loop.stop)
    assert not loop.is_running()
    loop.run_forever()
    assert seen == [True]
    assert not loop.is_running()


def test_close_while_running(loop):
    errors = []

    def try_close():
        try:
            loop.close()
        except RuntimeError as exc:
            errors.append(exc)
        loop.stop()

    loop.call_soon(try_close)
    loop.run_forever()
    assert len(errors) == 1
    assert not loop.is_closed()


def test_close_idempotent(loop):
    assert not loop.is_closed()
    loop.close()
    assert loop.is_closed()
    loop.close()
    assert loop.is_closed()
    with pytest.raises(RuntimeError, match="closed"):
        loop.run_until_complete(loop.create_future())


def test_future_of_another_loop(loop_factory):
    one, two = loop_factory(), loop_factory()
    fut = two.create_future()
    with pytest.raises(ValueError):
        one.run_until_complete(fut)
    one.close()
    two.close()


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
def test_base_exception_in_callback_propagates(loop, exc_type):
    def interrupt():
        raise exc_type

    loop.call_soon(interrupt)
    with pytest.raises(exc_type):
        loop.run_forever()
    assert not loop.is_running()
    # The loop can run again.
    assert loop.run_until_complete(asyncio.sleep(0, "again")) == "again"


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
def test_base_exception_in_task_propagates(loop, exc_type):
    async def main():
        await asyncio.sleep(0)
        raise exc_type

    with pytest.raises(exc_type):
        loop.run_until_complete(main())
    assert not loop.is_running()
