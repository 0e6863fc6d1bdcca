"""asyncio 3.14's task introspection on the loop: call graphs in-process,
``python -m asyncio ps`` / ``pstree`` from another process.

Both follow asyncio's own Task objects (the running task, each task's
``_asyncio_awaited_by``, the interpreter's per-thread task lists), which
our loop uses unchanged: nothing in the loop is needed for them, and these
tests keep it that way.
"""

import asyncio
import io
import subprocess
import sys
import textwrap

import pytest
from loop_core.testing import LOOP_KINDS

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 14), reason="asyncio's call graphs are new in 3.14"
)


async def _leaf(event):
    await event.wait()


async def _middle(event):
    await _leaf(event)


def test_capture_call_graph_of_current_task(loop):
    async def child():
        return asyncio.capture_call_graph()

    async def parent():
        task = asyncio.create_task(child(), name="child")
        return task, asyncio.current_task(), await task

    task, parent_task, graph = loop.run_until_complete(parent())
    assert graph.future is task
    assert graph.call_stack[0].frame.f_code.co_name == "child"
    (awaiter,) = graph.awaited_by
    assert awaiter.future is parent_task
    assert awaiter.call_stack[0].frame.f_code.co_name == "parent"


def test_capture_call_graph_of_a_waiting_task(loop):
    async def main():
        event = asyncio.Event()
        task = asyncio.create_task(_middle(event), name="waiting")
        await asyncio.sleep(0)  # it runs up to event.wait()
        graph = asyncio.capture_call_graph(task)
        event.set()
        await task
        return graph

    graph = loop.run_until_complete(main())
    names = [entry.frame.f_code.co_name for entry in graph.call_stack]
    assert names[-2:] == ["_leaf", "_middle"]
    assert "wait" in names[0]


def test_print_call_graph(loop):
    async def main():
        event = asyncio.Event()
        task = asyncio.create_task(_middle(event), name="printed-task")
        await asyncio.sleep(0)
        out = io.StringIO()
        asyncio.print_call_graph(task, file=out)
        event.set()
        await task
        return out.getvalue()

    text = loop.run_until_complete(main())
    assert "printed-task" in text
    assert "_middle" in text and "_leaf" in text


# The program ``ps`` / ``pstree`` look at, on the loop kind given in argv:
# a task group's named child, blocked on an event and awaited by the
# group's task. It says "ready" when the tasks are in place, then waits for
# a line on stdin (read in the executor: the loop is idle in its poll).
_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from loop_core.testing import LOOP_KINDS

    async def blocked_leaf(event):
        await event.wait()

    async def blocked_middle(event):
        await blocked_leaf(event)

    async def main():
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        async with asyncio.TaskGroup() as group:
            group.create_task(blocked_middle(event), name="probe-child")
            await asyncio.sleep(0)
            print("ready", flush=True)
            await loop.run_in_executor(None, sys.stdin.readline)
            event.set()

    asyncio.run(main(), loop_factory=LOOP_KINDS[sys.argv[1]])
    """
)


@pytest.mark.parametrize("kind", list(LOOP_KINDS))
def test_ps_and_pstree_see_the_tasks(kind):
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "ready\n"
        outputs = {}
        for command in ("ps", "pstree"):
            done = subprocess.run(
                [sys.executable, "-m", "asyncio", command, str(child.pid)],
                capture_output=True,
                text=True,
                timeout=30,
            )
            if done.returncode != 0 and "ermission" in done.stdout + done.stderr:
                pytest.skip("the OS does not let us read another process's memory")
            assert done.returncode == 0, done.stderr
            outputs[command] = done.stdout
    finally:
        child.communicate("go\n", timeout=30)
    assert child.returncode == 0
    ps = outputs["ps"]
    assert "probe-child" in ps
    assert "blocked_leaf -> blocked_middle" in ps
    tree = outputs["pstree"]
    assert "(T) probe-child" in tree
    assert "main" in tree and "blocked_middle" in tree
    # pstree nests the child task under the task that awaits it: main.
    assert tree.index("main") < tree.index("(T) probe-child")
