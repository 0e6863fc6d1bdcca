"""SubprocessTransport's life cycle: warnings, loop closing, reaping."""

import os
import signal
import subprocess
import sys
import threading

import pytest
from loop_core.testing import gc_collect

PY = sys.executable
SH = "/bin/sh"


def test_transport_left_open_warns_naming_it(loop, run, helpers):
    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "exit 0"
        )
        await proto.lost
        proto.transport = None
        with pytest.warns(
            ResourceWarning, match=r"unclosed transport <\w*SubprocessTransport"
        ) as warned:
            del transport
            # PyPy finalizes objects reachable from other finalizable ones a
            # collection later each; under load (a CI run) four were once
            # not enough here. Collect until the warning, within reason.
            for _ in range(5):
                gc_collect()
                if warned.list:
                    break

    run(main())


def test_repr(loop, run, helpers):
    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "exit 4", stdin=None
        )
        pid = transport.get_pid()
        assert f"pid={pid}" in repr(transport)
        await proto.lost
        transport.close()
        return repr(transport), pid

    text, pid = run(main())
    assert "closed" in text and f"pid={pid}" in text and "returncode=4" in text


CLOSE_WITH_CHILDREN = """
import asyncio, sys
from loop_core.testing import LOOP_KINDS, gc_collect

class P(asyncio.SubprocessProtocol):
    pass

loop = LOOP_KINDS[sys.argv[1]]()
transports = []
for _ in range(3):
    t, _ = loop.run_until_complete(
        loop.subprocess_exec(P, "/bin/sh", "-c", "exec sleep 30")
    )
    transports.append(t)
transports[0].close()  # killed; the loop never runs again to reap it
loop.close()
print("closed")
"""


def test_closing_the_loop_with_running_children_does_not_hang(loop, request):
    # In a fresh interpreter: what is left behind (unreaped children, pipes
    # that never saw connection_lost) must not leak into other tests.
    kind = request.node.callspec.params["loop_factory"]
    out = subprocess.run(
        [PY, "-c", CLOSE_WITH_CHILDREN, kind],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "closed"


def _pidfds():
    found = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            found += "pidfd" in os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            pass
    return found


@pytest.mark.ours_only
def test_closed_loop_child_is_still_reaped_and_pidfd_closed(loop, run, helpers):
    from loop_subprocess._reaper import pidfd_supported

    if not pidfd_supported():
        # PyPy has no os.pidfd_open: a waitpid thread watches the child and
        # keeps its transport alive until it exits.
        pytest.skip("no pidfd here: a waitpid thread holds the transport")

    async def main():
        transport, _ = await loop.subprocess_exec(
            helpers.Recorder,
            SH,
            "-c",
            "exec sleep 30",
            stdin=None,
            stdout=None,
            stderr=None,
        )
        return transport

    gc_collect()
    before = _pidfds()
    transport = run(main())
    watched = transport._watch.uses_pidfd
    assert _pidfds() == before + watched
    pid = transport.get_pid()
    loop.close()
    with pytest.warns(ResourceWarning, match="unclosed transport"):
        del transport
        gc_collect()
    assert _pidfds() == before
    # A reaping thread takes the killed child over.
    for t in list(threading.enumerate()):
        if t.name == f"reap-{pid}":
            t.join(10)
    assert pid not in helpers.zombies()


@pytest.mark.ours_only
def test_pidfd_reaping_starts_no_thread(loop, run, helpers):
    from loop_subprocess._reaper import pidfd_supported

    if not pidfd_supported():
        pytest.skip("no pidfd on this kernel")
    before = threading.active_count()

    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "exit 2"
        )
        assert transport._watch.uses_pidfd
        assert threading.active_count() == before
        await proto.lost
        transport.close()
        return transport.get_returncode()

    assert run(main()) == 2


@pytest.mark.ours_only
@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "thread"])
def test_reaping_paths_report_exit_and_signal(loop, run, helpers, monkeypatch, pidfd):
    from loop_subprocess import _reaper

    monkeypatch.setattr(_reaper, "_PIDFD", pidfd and _reaper.pidfd_supported())

    async def main():
        t1, p1 = await loop.subprocess_exec(helpers.Recorder, SH, "-c", "exit 3")
        t2, p2 = await loop.subprocess_exec(helpers.Recorder, SH, "-c", "exec sleep 30")
        t2.send_signal(signal.SIGTERM)
        await p1.lost
        await p2.lost
        t1.close()
        t2.close()
        return t1.get_returncode(), t2.get_returncode()

    assert run(main()) == (3, -signal.SIGTERM)
    assert helpers.zombies() == []


@pytest.mark.ours_only
def test_child_reaped_elsewhere_reports_255(loop, run, helpers, caplog):
    from loop_subprocess._reaper import pidfd_supported

    if not pidfd_supported():
        # A waitpid thread would race the test's own waitpid for the status.
        pytest.skip("no pidfd here: which waitpid wins is a race")

    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "read x; exit 0", stdout=None, stderr=None
        )
        transport.get_pipe_transport(0).write(b"go\n")
        os.waitpid(transport.get_pid(), 0)  # someone else's wait steals it
        await proto.lost
        transport.close()
        return transport.get_returncode()

    assert run(main()) == 255
    assert "exit status already read" in caplog.text


def test_pipes_go_through_an_overridden_connect_read_pipe(loop, run, helpers):
    calls = []
    original = loop.connect_read_pipe

    async def connect_read_pipe(factory, pipe):
        calls.append(pipe.fileno())
        return await original(factory, pipe)

    loop.connect_read_pipe = connect_read_pipe

    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "echo via; exit 1"
        )
        await proto.lost
        transport.close()
        return bytes(proto.data[1]), transport.get_returncode()

    try:
        assert run(main()) == (b"via\n", 1)
    finally:
        del loop.connect_read_pipe
    assert len(calls) == 2  # stdout and stderr


@pytest.mark.ours_only
def test_close_after_popen_reaped_the_child(loop, run, helpers):
    # Popen.wait() reaps behind the transport's back: close() must not kill
    # (nothing to kill) and the status Popen read is the one reported
    # (asyncio 3.12+ reports 255 here).
    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "exec sleep 30", stdin=None
        )
        popen = transport.get_extra_info("subprocess")
        popen.kill()
        popen.wait()
        transport.close()
        await proto.lost
        return transport.get_returncode()

    assert run(main()) == -signal.SIGKILL


def test_stdin_pipe_does_not_pause_reading(loop, run, helpers):
    async def main():
        transport, proto = await loop.subprocess_exec(
            helpers.Recorder, SH, "-c", "read x; exit 0", stdout=None, stderr=None
        )
        stdin = transport.get_pipe_transport(0)
        with pytest.raises(NotImplementedError):
            stdin.pause_reading()
        with pytest.raises(NotImplementedError):
            stdin.resume_reading()
        stdin.write(b"go\n")
        await proto.lost
        transport.close()
        return transport.get_returncode()

    assert run(main()) == 0
