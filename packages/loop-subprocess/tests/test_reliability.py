"""Many children at once, killed ones, cancelled waits, failed spawns,
other threads, other loops: every child reaped once, no fd left behind.

Children here are ``/bin/sh -c`` one-liners: a hundred Python start-ups
per loop kind would make the run slow without testing anything more.
"""

import asyncio
import signal
import threading

import pytest
from loop_core.testing import count_open_fds

SH = "/bin/sh"


async def spawn(loop, helpers, script, **kwargs):
    return await loop.subprocess_exec(helpers.Recorder, SH, "-c", script, **kwargs)


async def one_child(loop, helpers, i):
    if i < 20:
        transport, proto = await spawn(loop, helpers, "exec sleep 30")
        transport.send_signal(signal.SIGKILL)
        expected = -signal.SIGKILL
    else:
        # Those whose wait is cancelled wait for a line first, so the
        # wait is pending when it is cancelled.
        script = f"read line; exit {i % 7}" if i < 40 else f"exit {i % 7}"
        transport, proto = await spawn(loop, helpers, script)
        expected = i % 7
    try:
        if 20 <= i < 40:
            cancelled = asyncio.ensure_future(transport._wait())
            await asyncio.sleep(0)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            transport.get_pipe_transport(0).write(b"go\n")
        waits = await asyncio.gather(*(transport._wait() for _ in range(5)))
        await proto.lost
    finally:
        transport.close()
    assert waits == [expected] * 5
    assert transport.get_returncode() == expected
    assert proto.exited.result() == expected
    return transport.get_pid()


def stress(loop, run, helpers, count=100):
    fds = count_open_fds()

    async def main():
        return await asyncio.gather(
            *(one_child(loop, helpers, i) for i in range(count))
        )

    pids = run(main(), timeout=50)
    assert len(set(pids)) == count
    assert helpers.zombies() == []
    assert count_open_fds() == fds


def test_hundred_children_killed_and_cancelled(loop, run, helpers):
    stress(loop, run, helpers)


@pytest.mark.ours_only
def test_hundred_children_with_waitpid_threads(loop, run, helpers, monkeypatch):
    from loop_subprocess import _reaper

    monkeypatch.setattr(_reaper, "_PIDFD", False)

    async def uses_threads():
        transport, proto = await spawn(loop, helpers, "exit 0")
        await proto.lost
        transport.close()
        return transport._watch.uses_pidfd

    assert run(uses_threads()) is False
    stress(loop, run, helpers)


def test_failed_spawns_leak_no_fd(loop, run, helpers):
    fds = count_open_fds()

    async def main():
        for _ in range(200):
            with pytest.raises(FileNotFoundError):
                await loop.subprocess_exec(helpers.Recorder, "nonexistent-program-xyz")

    run(main())
    assert count_open_fds() == fds


def test_spawn_from_another_thread(loop, helpers):
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:

        async def main():
            transport, proto = await spawn(loop, helpers, "echo threaded; exit 9")
            await proto.lost
            transport.close()
            return transport.get_returncode(), bytes(proto.data[1])

        future = asyncio.run_coroutine_threadsafe(main(), loop)
        assert future.result(timeout=30) == (9, b"threaded\n")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
    assert helpers.zombies() == []


def test_two_loops_in_two_threads(loop_factory, helpers):
    results = {}

    def worker(name):
        lp = loop_factory()
        try:

            async def main():
                codes = []
                for i in range(10):
                    transport, proto = await spawn(lp, helpers, f"exit {i}")
                    await proto.lost
                    transport.close()
                    codes.append(transport.get_returncode())
                return codes

            results[name] = lp.run_until_complete(asyncio.wait_for(main(), 30))
        finally:
            lp.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    assert results == {"a": list(range(10)), "b": list(range(10))}
    assert helpers.zombies() == []
