"""asyncio's Future and Task on the loop; task factory; async generators."""

import asyncio
import contextvars
import sys

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
    assert made == [{}, {"context": ctx}]
    # run_until_complete wraps coroutines through the factory too.
    loop.run_until_complete(coro())
    assert len(made) == 3
    loop.set_task_factory(None)
    assert loop.get_task_factory() is None


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
