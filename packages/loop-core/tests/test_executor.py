"""run_in_executor, set_default_executor, shutdown_default_executor."""

import asyncio
import concurrent.futures
import sys
import threading

import loop_core
import pytest


def test_result_runs_in_another_thread(loop):
    async def main():
        return await loop.run_in_executor(None, threading.get_ident)

    assert loop.run_until_complete(main()) != threading.get_ident()


def test_result_and_args(loop):
    assert loop.run_until_complete(loop.run_in_executor(None, pow, 2, 10)) == 1024


def test_exception_propagates(loop):
    def boom(x):
        raise KeyError(x)

    with pytest.raises(KeyError, match="k"):
        loop.run_until_complete(loop.run_in_executor(None, boom, "k"))


def test_explicit_executor(loop):
    with concurrent.futures.ThreadPoolExecutor(thread_name_prefix="mine") as pool:
        name = loop.run_until_complete(
            loop.run_in_executor(pool, lambda: threading.current_thread().name)
        )
    assert name.startswith("mine")


def test_set_default_executor(loop):
    pool = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="dflt")
    loop.set_default_executor(pool)
    name = loop.run_until_complete(
        loop.run_in_executor(None, lambda: threading.current_thread().name)
    )
    assert name.startswith("dflt")
    loop.run_until_complete(loop.shutdown_default_executor())
    with pytest.raises(RuntimeError):
        pool.submit(print)  # the loop shut the pool down


class NotAThreadPool(concurrent.futures.Executor):
    pass


@pytest.mark.parametrize("executor", [NotAThreadPool(), object(), None])
def test_set_default_executor_type(loop, executor):
    with pytest.raises(TypeError):
        loop.set_default_executor(executor)


def test_coroutine_refused_in_debug(loop):
    loop.set_debug(True)

    async def coro():
        pass

    with pytest.raises(TypeError):
        loop.run_in_executor(None, coro)


def test_closed_loop(loop):
    loop.close()
    with pytest.raises(RuntimeError):
        loop.run_in_executor(None, print)


def test_shutdown_waits_for_running_work(loop):
    release = threading.Event()
    finished = []

    def work():
        assert release.wait(10)
        finished.append(True)
        return "done"

    async def main():
        job = loop.run_in_executor(None, work)
        shutdown = asyncio.ensure_future(loop.shutdown_default_executor())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not shutdown.done()
        release.set()
        await shutdown
        assert finished == [True]
        return await job

    assert loop.run_until_complete(main()) == "done"


def test_run_in_executor_after_shutdown(loop):
    loop.run_until_complete(loop.run_in_executor(None, int))
    loop.run_until_complete(loop.shutdown_default_executor())
    with pytest.raises(RuntimeError):
        loop.run_in_executor(None, print)
    # An explicit executor is still fine.
    with concurrent.futures.ThreadPoolExecutor() as pool:
        assert loop.run_until_complete(loop.run_in_executor(pool, int, "7")) == 7


def test_shutdown_without_executor(loop):
    loop.run_until_complete(loop.shutdown_default_executor())
    with pytest.raises(RuntimeError):
        loop.run_in_executor(None, print)


def needs_timeout_param(loop):
    if sys.version_info < (3, 12) and not isinstance(loop, loop_core.EventLoop):
        pytest.skip("asyncio's shutdown_default_executor has timeout= from 3.12")


def test_shutdown_with_timeout_completes(loop):
    needs_timeout_param(loop)
    loop.run_until_complete(loop.run_in_executor(None, int))
    loop.run_until_complete(loop.shutdown_default_executor(timeout=10))
    with pytest.raises(RuntimeError):
        loop.run_in_executor(None, print)


def test_shutdown_timeout_expires_with_warning(loop):
    if sys.version_info < (3, 13) and not isinstance(loop, loop_core.EventLoop):
        # 3.12.1's version awaits the pool without a limit, then joins.
        pytest.skip("asyncio honours the timeout from 3.13")
    release = threading.Event()
    before = set(threading.enumerate())
    job = loop.run_in_executor(None, release.wait, 30)
    try:
        with pytest.warns(RuntimeWarning, match="did not finish"):
            loop.run_until_complete(loop.shutdown_default_executor(timeout=0.05))
        assert not job.done()
    finally:
        release.set()
        # The pool's worker and the shutdown helper end once released;
        # wait for them so nothing touches the loop after it closes.
        for t in set(threading.enumerate()) - before:
            t.join(10)
    assert loop.run_until_complete(job) is True
