"""asyncio's Future and Task on the loop; task factory; async generators."""

import asyncio
import contextvars
import sys

import loop_core
import pytest
from loop_core.testing import gc_collect

var = contextvars.ContextVar("var", default="unset")


def test_create_future(loop):
    fut = loop.create_future()
    assert isinstance(fut, asyncio.Future)
    assert fut.get_loop() is loop
    loop.call_soon(fut.set_result, 3)
    assert loop.run_until_complete(fut) == 3


def test_create_task(loop):
    async def coro():
        return asyncio.current_task()

    task = loop.create_task(coro(), name="worker")
    assert isinstance(task, asyncio.Task)
    assert task.get_loop() is loop
    assert task.get_name() == "worker"
    assert task in asyncio.all_tasks(loop)
    assert loop.run_until_complete(task) is task


def test_create_task_context(loop):
    ctx = contextvars.copy_context()
    ctx.run(var.set, "in ctx")

    async def coro():
        return var.get()

    assert loop.run_until_complete(loop.create_task(coro(), context=ctx)) == "in ctx"
    assert loop.run_until_complete(loop.create_task(coro())) == "unset"


def test_create_task_closed_loop(loop):
    async def coro():
        pass

    loop.close()
    c = coro()
    with pytest.raises(RuntimeError):
        loop.create_task(c)
    c.close()


def test_task_factory(loop):
    made = []

    def factory(lp, coro, **kwargs):
        made.append(kwargs)
        return asyncio.Task(coro, loop=lp, **kwargs)

    async def coro():
        return var.get()

    assert loop.get_task_factory() is None
    loop.set_task_factory(factory)
    assert loop.get_task_factory() is factory
    task = loop.create_task(coro(), name="made")
    assert task.get_name() == "made"
    ctx = contextvars.copy_context()
    ctx.run(var.set, "ctx")
    assert loop.run_until_complete(task) == "unset"
    assert loop.run_until_complete(loop.create_task(coro(), context=ctx)) == "ctx"
    if sys.version_info >= (3, 14):
        # The factory is given the keywords as they came, name included.
        assert made == [{"name": "made"}, {"context": ctx}]
    else:
        # The factory is called the old way and the name set afterwards.
        assert made == [{}, {"context": ctx}]
    # run_until_complete wraps coroutines through the factory too.
    loop.run_until_complete(coro())
    assert len(made) == 3
    loop.set_task_factory(None)
    assert loop.get_task_factory() is None


def test_task_factory_no_name_keeps_factory_name(loop):
    def factory(lp, coro, **kwargs):
        return asyncio.Task(coro, loop=lp, name="from factory", **kwargs)

    async def coro():
        return asyncio.current_task().get_name()

    loop.set_task_factory(factory)
    if sys.version_info[:2] == (3, 13) and sys.version_info < (3, 13, 3):
        # asyncio 3.13.0-3.13.2 overwrote it with "None" (gh-130033); ours
        # does not copy that bug.
        if not isinstance(loop, loop_core.EventLoop):
            pytest.skip("asyncio 3.13.0-3.13.2 renames the task 'None'")
    assert loop.run_until_complete(loop.create_task(coro())) == "from factory"


@pytest.mark.skipif(sys.version_info < (3, 14), reason="**kwargs from 3.14")
def test_create_task_passes_keywords_through(loop):
    seen = []

    class MyTask(asyncio.Task):
        def __init__(self, coro, *, loop, flavour, **kwargs):
            seen.append(flavour)
            super().__init__(coro, loop=loop, **kwargs)

    def factory(lp, coro, **kwargs):
        return MyTask(coro, loop=lp, **kwargs)

    async def coro():
        return asyncio.current_task().get_name()

    loop.set_task_factory(factory)
    task = loop.create_task(coro(), name="kw", flavour="mint")
    assert loop.run_until_complete(task) == "kw"
    assert seen == ["mint"]
    loop.set_task_factory(None)
    c = coro()
    with pytest.raises(TypeError):
        loop.create_task(c, flavour="mint")  # asyncio.Task has no such keyword
    c.close()


@pytest.mark.skipif(sys.version_info >= (3, 13, 3), reason="**kwargs from 3.13.3")
def test_create_task_refuses_extra_keywords_before_3_13_3(loop):
    async def coro():
        pass

    c = coro()
    with pytest.raises(TypeError):
        loop.create_task(c, eager_start=True)
    c.close()


@pytest.mark.skipif(
    sys.version_info < (3, 14), reason="create_task(eager_start=) from 3.14"
)
def test_create_task_eager_start(loop):
    steps = []

    async def child():
        steps.append(("child", asyncio.current_task().get_name()))
        await asyncio.sleep(0)
        steps.append("child resumed")
        return 7

    async def main():
        task = loop.create_task(child(), name="eager", eager_start=True)
        # The first step ran inside create_task, with the name already set.
        assert steps == [("child", "eager")]
        assert not task.done()
        lazy = loop.create_task(child(), name="lazy", eager_start=False)
        assert steps == [("child", "eager")]
        return await task, await lazy

    assert loop.run_until_complete(main()) == (7, 7)
    assert steps[0] == ("child", "eager")
    assert ("child", "lazy") in steps


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks from 3.12")
def test_eager_task_factory(loop):
    order = []

    async def quick():
        order.append("quick ran")
        return asyncio.current_task().get_name()

    async def slow():
        order.append("slow started")
        await asyncio.sleep(0)
        return "slow"

    async def main():
        loop.set_task_factory(asyncio.eager_task_factory)
        try:
            done = loop.create_task(quick(), name="named")
            order.append("created")
            # Finished without yielding to the loop: it never blocked.
            assert done.done()
            pending = asyncio.create_task(slow())
            assert not pending.done()
            assert pending in asyncio.all_tasks()
            return await done, await pending
        finally:
            loop.set_task_factory(None)

    result = loop.run_until_complete(main())
    assert order == ["quick ran", "created", "slow started"]
    if sys.version_info >= (3, 14):
        assert result == ("named", "slow")
    else:
        # The name is set after the eager step (gh-128308).
        assert result[1] == "slow"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks from 3.12")
def test_eager_task_error_reported_through_await(loop):
    async def fail():
        raise ValueError("eager boom")

    async def main():
        loop.set_task_factory(asyncio.eager_task_factory)
        try:
            task = loop.create_task(fail())
            assert task.done()
            with pytest.raises(ValueError, match="eager boom"):
                await task
        finally:
            loop.set_task_factory(None)

    loop.run_until_complete(main())


@pytest.mark.parametrize("bad", [1, "factory", object()])
def test_task_factory_not_callable(loop, bad):
    with pytest.raises(TypeError):
        loop.set_task_factory(bad)


def test_unretrieved_task_exception_reported(loop, loop_errors):
    async def fail():
        raise ValueError("lost")

    task = loop.create_task(fail())
    loop.run_until_complete(asyncio.sleep(0.001))
    assert task.done()
    del task
    gc_collect()
    (context,) = loop_errors
    loop_errors.clear()
    assert context["message"] == "Task exception was never retrieved"
    assert isinstance(context["exception"], ValueError)


def test_asyncgen_hooks_installed_while_running(loop):
    before = sys.get_asyncgen_hooks()

    async def main():
        return sys.get_asyncgen_hooks()

    inside = loop.run_until_complete(main())
    assert inside.firstiter is not None and inside.finalizer is not None
    assert inside != before
    assert sys.get_asyncgen_hooks() == before


def test_asyncgen_finalized_when_dropped(loop):
    async def main():
        closed = loop.create_future()

        async def agen():
            try:
                yield 1
                yield 2
            finally:
                closed.set_result("finally ran")

        gen = agen()
        assert await gen.__anext__() == 1
        del gen  # the finalizer hook schedules aclose() on the loop
        gc_collect()
        return await asyncio.wait_for(closed, 10)

    assert loop.run_until_complete(main()) == "finally ran"


def test_shutdown_asyncgens(loop):
    events = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0)  # aclose() runs as a coroutine
            events.append("finally")

    gen = agen()

    async def start():
        return await gen.__anext__()

    assert loop.run_until_complete(start()) == 1
    assert events == []
    loop.run_until_complete(loop.shutdown_asyncgens())
    assert events == ["finally"]
    with pytest.raises(StopAsyncIteration):
        loop.run_until_complete(gen.__anext__())


def test_asyncgen_after_shutdown_warns(loop):
    loop.run_until_complete(loop.shutdown_asyncgens())

    async def agen():
        yield 1

    async def main():
        gen = agen()
        with pytest.warns(ResourceWarning, match="shutdown_asyncgens"):
            await gen.__anext__()
        await gen.aclose()

    loop.run_until_complete(main())


def test_shutdown_asyncgens_reports_errors(loop, loop_errors):
    async def agen():
        try:
            yield 1
        finally:
            raise ValueError("in finally")

    gen = agen()

    async def start():
        # First iterated inside the running loop, so the loop's hook sees it.
        return await gen.__anext__()

    loop.run_until_complete(start())
    loop.run_until_complete(loop.shutdown_asyncgens())
    (context,) = loop_errors
    loop_errors.clear()
    assert isinstance(context["exception"], ValueError)
    assert context["asyncgen"] is gen


def test_refused_shutdown_asyncgens_is_reported_under_asyncio_name(loop):
    # asyncio.Runner.close() on a loop a test already closed: the coroutine
    # is refused and reported "never awaited" under the name pytest-asyncio
    # filters (".*BaseEventLoop.shutdown_asyncgens.*").
    import warnings

    loop.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="closed"):
            loop.run_until_complete(loop.shutdown_asyncgens())
        gc_collect()
    messages = [str(w.message) for w in caught]
    expected = "coroutine 'BaseEventLoop.shutdown_asyncgens' was never awaited"
    assert expected in messages
