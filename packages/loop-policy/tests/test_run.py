"""run() against asyncio.run(): the same bodies run on both, so run() ends a
program exactly as asyncio.run() does, only on our loop."""

import asyncio
import os
import signal
import sys
import threading

import loop_core
import loop_policy
import pytest
from loop_core.testing import count_open_fds

RUNNERS = {"asyncio.run": asyncio.run, "loop_policy.run": loop_policy.run}


@pytest.fixture(params=list(RUNNERS))
def run(request):
    before = count_open_fds()
    yield RUNNERS[request.param]
    assert count_open_fds() == before, "the runner left an fd open"


async def loop_of():
    return asyncio.get_running_loop()


def test_returns_the_result_on_our_loop(run):
    loop = run(loop_of())
    assert loop.is_closed()
    if run is loop_policy.run:
        assert type(loop) is loop_core.EventLoop


def test_our_loop_even_under_asyncios_policy():
    loop_policy.set_event_loop_policy(None)
    assert type(loop_policy.run(loop_of())) is loop_core.EventLoop


def test_exception_propagates_and_loop_is_closed(run):
    seen = []

    async def main():
        seen.append(asyncio.get_running_loop())
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run(main())
    assert seen[0].is_closed()


def test_leftover_tasks_are_cancelled(run):
    log = []

    async def linger():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            log.append("cancelled")
            raise

    async def main():
        asyncio.get_running_loop().create_task(linger())
        await asyncio.sleep(0)

    run(main())
    assert log == ["cancelled"]


def test_leftover_task_error_goes_to_the_exception_handler(run):
    contexts = []

    async def stubborn():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("refused to die")

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: contexts.append(context))
        loop.create_task(stubborn())
        await asyncio.sleep(0)

    run(main())
    assert len(contexts) == 1
    assert "unhandled exception during asyncio.run() shutdown" in contexts[0]["message"]
    assert str(contexts[0]["exception"]) == "refused to die"


def test_async_generators_are_finalized(run):
    log = []

    async def ticker():
        try:
            yield 1
            yield 2
        finally:
            log.append("finalized")

    keep = []

    async def main():
        agen = ticker()
        keep.append(agen)  # still referenced: only shutdown_asyncgens ends it
        assert await agen.__anext__() == 1

    run(main())
    assert log == ["finalized"]


def test_default_executor_is_shut_down(run):
    workers = []

    async def main():
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: workers.append(threading.current_thread())
        )

    run(main())
    assert workers and not workers[0].is_alive()


@pytest.mark.parametrize("debug", [True, False])
def test_debug_flag(run, debug):
    async def main():
        return asyncio.get_running_loop().get_debug()

    assert run(main(), debug=debug) is debug


def test_debug_default_follows_dev_mode(run):
    async def main():
        return asyncio.get_running_loop().get_debug()

    expected = sys.flags.dev_mode or bool(os.environ.get("PYTHONASYNCIODEBUG"))
    assert run(main()) is expected


def test_refuses_a_running_loop(run, loop):
    async def outer():
        inner = loop_of()
        try:
            with pytest.raises(RuntimeError, match="cannot be called from a running"):
                run(inner)
        finally:
            inner.close()

    loop.run_until_complete(outer())


def test_refuses_a_non_coroutine(run):
    # asyncio.Runner's check, so its exception: 3.14 accepts any awaitable
    # and raises TypeError for the rest, earlier versions ValueError.
    if sys.version_info >= (3, 14):
        error, match = TypeError, "a coroutine or an awaitable is required"
    else:
        error, match = ValueError, "a coroutine was expected"
    with pytest.raises(error, match=match):
        run(asyncio.sleep)


def test_leaves_the_current_loop_alone(run, loop):
    loop_policy.install()
    asyncio.set_event_loop(loop)
    run(loop_of())
    if run is loop_policy.run:
        # loop_factory given: the Runner never touches the current loop.
        assert asyncio.get_event_loop() is loop


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread()
    or signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="needs the default SIGINT handler in the main thread",
)
def test_ctrl_c_cancels_main_then_raises_keyboard_interrupt(run):
    log = []

    async def main():
        asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGINT)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            log.append("main cancelled")
            raise

    with pytest.raises(KeyboardInterrupt):
        run(main())
    assert log == ["main cancelled"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
