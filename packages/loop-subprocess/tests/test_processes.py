"""subprocess_exec / subprocess_shell: arguments, callbacks, pipes, exit."""

import asyncio
import os
import signal
import subprocess
import sys

import pytest

PY = sys.executable


async def start(loop, helpers, code, **kwargs):
    return await loop.subprocess_exec(helpers.Recorder, PY, "-c", code, **kwargs)


# -- argument checks, exactly as asyncio ---------------------------------


TEXT_MODE = [
    ({"universal_newlines": True}, "universal_newlines must be False"),
    ({"bufsize": 1}, "bufsize must be 0"),
    ({"text": True}, "text must be False"),
    ({"encoding": "utf-8"}, "encoding must be None"),
    ({"errors": "strict"}, "errors must be None"),
]


@pytest.mark.parametrize(
    "kwargs, message", [({"shell": True}, "shell must be False"), *TEXT_MODE]
)
def test_exec_rejects_text_mode_and_shell(loop, run, kwargs, message):
    made = []
    with pytest.raises(ValueError, match=message):
        run(loop.subprocess_exec(lambda: made.append(1), PY, "-c", "", **kwargs))
    assert made == []  # checked before the protocol is made


@pytest.mark.parametrize(
    "kwargs, message", [({"shell": False}, "shell must be True"), *TEXT_MODE]
)
def test_shell_rejects_text_mode_and_no_shell(loop, run, kwargs, message):
    made = []
    with pytest.raises(ValueError, match=message):
        run(loop.subprocess_shell(lambda: made.append(1), "true", **kwargs))
    assert made == []


def test_the_first_wrong_argument_is_named(loop, run):
    # asyncio checks universal_newlines before shell, shell before the rest.
    with pytest.raises(ValueError, match="universal_newlines"):
        run(loop.subprocess_exec(list, PY, universal_newlines=True, shell=True))
    with pytest.raises(ValueError, match="shell must be True"):
        run(loop.subprocess_shell(list, "true", shell=False, bufsize=1))


@pytest.mark.parametrize("cmd", [["true"], 42, None])
def test_shell_cmd_must_be_str_or_bytes(loop, run, helpers, cmd):
    # asyncio raises ValueError here (not TypeError), on 3.11 to 3.13.
    with pytest.raises(ValueError, match="cmd must be a string"):
        run(loop.subprocess_shell(helpers.Recorder, cmd))


def test_missing_executable_raises_file_not_found(loop, run, helpers):
    with pytest.raises(FileNotFoundError):
        run(loop.subprocess_exec(helpers.Recorder, "/nonexistent/program-xyz"))


def test_bad_popen_keyword_is_type_error(loop, run, helpers):
    with pytest.raises(TypeError):
        run(loop.subprocess_exec(helpers.Recorder, PY, "-c", "", no_such_arg=1))


# -- callbacks and their order ---------------------------------------------


def test_callback_order_and_output(loop, run, helpers):
    async def main():
        code = "import sys; sys.stdout.write('out'); sys.stderr.write('err')"
        transport, proto = await start(loop, helpers, code)
        # subprocess_exec returns after connection_made has run.
        assert proto.events == ["connection_made"]
        await proto.lost
        transport.close()
        return transport, proto

    transport, proto = run(main())
    assert bytes(proto.data[1]) == b"out"
    assert bytes(proto.data[2]) == b"err"
    events = proto.events
    assert events[0] == "connection_made"
    assert events[-1] == ("connection_lost", None)
    lost = [
        e for e in events if isinstance(e, tuple) and e[0] == "pipe_connection_lost"
    ]
    assert sorted(e[1] for e in lost) == [0, 1, 2]
    assert all(e[2] is None for e in lost)
    assert events.count("process_exited") == 1
    # Data on a pipe comes before that pipe's connection_lost.
    for fd in (1, 2):
        assert events.index(("data", fd)) < events.index(
            ("pipe_connection_lost", fd, None)
        )
    assert transport.get_returncode() == 0
    assert transport.is_closing()


def test_returncode_and_wait_agree(loop, run, helpers):
    async def main():
        transport, proto = await start(loop, helpers, "raise SystemExit(7)")
        code = await proto.exited
        await proto.lost
        transport.close()
        return code, transport.get_returncode()

    assert run(main()) == (7, 7)


def test_child_killed_by_signal_reports_minus_signum(loop, run, helpers):
    async def main():
        transport, proto = await start(loop, helpers, "import time; time.sleep(30)")
        transport.send_signal(signal.SIGUSR1)
        code = await proto.exited
        await proto.lost
        transport.close()
        return code

    assert run(main()) == -signal.SIGUSR1


@pytest.mark.parametrize(
    "method, signum", [("terminate", signal.SIGTERM), ("kill", signal.SIGKILL)]
)
def test_terminate_and_kill(loop, run, helpers, method, signum):
    async def main():
        transport, proto = await start(loop, helpers, "import time; time.sleep(30)")
        assert transport.get_pid() > 0
        assert transport.get_returncode() is None
        getattr(transport, method)()
        code = await proto.exited
        await proto.lost
        transport.close()
        return code

    assert run(main()) == -signum


def test_signal_after_exit_is_ignored_then_lookup_error(loop, run, helpers):
    class SignalOnExit(helpers.Recorder):
        def process_exited(self):
            self.transport.send_signal(signal.SIGTERM)  # exited: a no-op
            super().process_exited()

    async def main():
        transport, proto = await loop.subprocess_exec(SignalOnExit, PY, "-c", "")
        await proto.lost
        transport.close()
        with pytest.raises(ProcessLookupError):
            transport.kill()
        return transport.get_returncode()

    assert run(main()) == 0


def test_get_pipe_transport(loop, run, helpers):
    async def main():
        transport, proto = await start(loop, helpers, "", stderr=subprocess.DEVNULL)
        stdin = transport.get_pipe_transport(0)
        stdout = transport.get_pipe_transport(1)
        assert isinstance(stdin, asyncio.WriteTransport)
        assert isinstance(stdout, asyncio.ReadTransport)
        assert transport.get_pipe_transport(2) is None
        assert transport.get_pipe_transport(3) is None
        assert transport.get_extra_info("subprocess").pid == transport.get_pid()
        await proto.lost
        transport.close()

    run(main())


def test_write_eof_then_read_answer(loop, run, helpers):
    async def main():
        code = (
            "import sys; d = sys.stdin.buffer.read(); print(len(d), d[::-1].decode())"
        )
        transport, proto = await start(loop, helpers, code)
        stdin = transport.get_pipe_transport(0)
        assert stdin.can_write_eof()
        stdin.write(b"abc")
        stdin.write_eof()
        assert stdin.is_closing()
        await proto.lost
        transport.close()
        return bytes(proto.data[1])

    assert run(main()) == b"3 cba\n"


@pytest.mark.parametrize("size", [65536, 65537])
def test_stdout_pipe_buffer_edges(loop, run, helpers, size):
    async def main():
        code = f"import sys; sys.stdout.buffer.write(b'y' * {size})"
        transport, proto = await start(loop, helpers, code)
        await proto.lost
        transport.close()
        return bytes(proto.data[1])

    assert run(main()) == b"y" * size


@pytest.mark.parametrize("size", [8192, 8193])
def test_stdin_sizes(loop, run, helpers, size):
    async def main():
        code = "import sys; print(len(sys.stdin.buffer.read()))"
        transport, proto = await start(loop, helpers, code)
        transport.get_pipe_transport(0).write(os.urandom(size))
        transport.get_pipe_transport(0).close()
        await proto.lost
        transport.close()
        return bytes(proto.data[1])

    assert run(main()) == f"{size}\n".encode()


def test_ten_mib_round_trip_through_cat_with_flow_control(loop, run, helpers):
    payload = os.urandom(1 << 16) * 160  # 10 MiB

    async def main():
        transport, proto = await loop.subprocess_exec(helpers.Recorder, "cat")
        stdin = transport.get_pipe_transport(0)
        view = memoryview(payload)
        for start_at in range(0, len(payload), 1 << 20):
            await proto.can_write.wait()
            stdin.write(view[start_at : start_at + (1 << 20)])
        stdin.write_eof()
        await proto.lost
        transport.close()
        return proto

    proto = run(main())
    assert proto.data[1] == payload
    assert "pause_writing" in proto.events
    assert proto.events.count("pause_writing") == proto.events.count("resume_writing")


def test_shell(loop, run, helpers):
    async def main():
        transport, proto = await loop.subprocess_shell(
            helpers.Recorder, b"echo $((6 * 7)); exit 3"
        )
        code = await proto.exited
        await proto.lost
        transport.close()
        return code, bytes(proto.data[1])

    assert run(main()) == (3, b"42\n")


# -- stdio choices and Popen keywords ---------------------------------------


def test_stderr_to_stdout_and_devnull(loop, run, helpers):
    async def main():
        code = "import sys; print('a'); sys.stdout.flush(); print('b', file=sys.stderr)"
        transport, proto = await start(
            loop, helpers, code, stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        assert transport.get_pipe_transport(0) is None
        assert transport.get_pipe_transport(2) is None
        await proto.lost
        transport.close()
        return bytes(proto.data[1]), proto.events

    out, events = run(main())
    assert out == b"a\nb\n"
    lost = [
        e[1] for e in events if isinstance(e, tuple) and e[0] == "pipe_connection_lost"
    ]
    assert lost == [1]


def test_stdio_as_fd_and_file_object(loop, run, helpers, tmp_path):
    path = tmp_path / "out.txt"

    async def main():
        r, w = os.pipe()
        os.write(w, b"from an fd")
        os.close(w)
        try:
            with open(path, "wb") as out:
                code = "import sys; sys.stdout.write(sys.stdin.read().upper())"
                transport, proto = await start(loop, helpers, code, stdin=r, stdout=out)
        finally:
            os.close(r)
        assert transport.get_pipe_transport(1) is None
        await proto.lost
        transport.close()

    run(main())
    assert path.read_bytes() == b"FROM AN FD"


def test_cwd_env_pass_fds_new_session(loop, run, helpers, tmp_path):
    async def main():
        r, w = os.pipe()
        try:
            code = (
                "import os, sys\n"
                f"os.write({w}, b'passed')\n"
                "print(os.getcwd(), os.environ.get('LOOP_TEST'),\n"
                "      os.getsid(0) == os.getpid())"
            )
            transport, proto = await start(
                loop,
                helpers,
                code,
                cwd=tmp_path,
                env={**os.environ, "LOOP_TEST": "yes"},
                pass_fds=(w,),
                start_new_session=True,
            )
            await proto.lost
            transport.close()
            return bytes(proto.data[1]), os.read(r, 100)
        finally:
            os.close(r)
            os.close(w)

    out, passed = run(main())
    assert out.decode().split() == [str(tmp_path), "yes", "True"]
    assert passed == b"passed"


def test_process_group_and_preexec_fn(loop, run, helpers):
    async def main():
        code = "import os; print(os.getpgid(0) == os.getpid(), os.environ['PRE'])"
        transport, proto = await start(
            loop,
            helpers,
            code,
            process_group=0,
            preexec_fn=lambda: os.environ.__setitem__("PRE", "ran"),
        )
        await proto.lost
        transport.close()
        return bytes(proto.data[1])

    assert run(main()) == b"True ran\n"


# -- closing ---------------------------------------------------------------


def test_close_kills_a_running_child(loop, run, helpers):
    async def main():
        transport, proto = await start(loop, helpers, "import time; time.sleep(30)")
        transport.close()
        assert transport.is_closing()
        code = await proto.exited
        await proto.lost
        return code, proto.events

    code, events = run(main())
    assert code == -signal.SIGKILL
    assert events[-1] == ("connection_lost", None)


def test_close_does_not_kill_a_finished_child(loop, run, helpers):
    async def main():
        transport, proto = await start(loop, helpers, "raise SystemExit(5)")
        await proto.lost
        transport.close()
        transport.close()
        return transport.get_returncode()

    assert run(main()) == 5


def test_cancelled_spawn_kills_and_waits(loop, run, helpers):
    async def main():
        task = asyncio.ensure_future(
            start(loop, helpers, "import time; time.sleep(30)")
        )
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert helpers.zombies() == []


def test_asyncio_process_api_on_the_loop(loop, run):
    # asyncio.create_subprocess_exec runs on whatever loop.subprocess_exec is.
    async def main():
        proc = await asyncio.create_subprocess_exec(
            PY,
            "-c",
            "import sys; sys.stdout.write(sys.stdin.read()[::-1]); sys.exit(4)",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        out, _ = await proc.communicate(b"stressed")
        return out, proc.returncode, await proc.wait()

    assert run(main()) == (b"desserts", 4, 4)


def test_our_providers_run_on_any_loop(loop, run, helpers):
    # Called directly (not through loop.subprocess_exec), our provider
    # needs only the loop's public API: it runs on asyncio's loop too.
    from loop_subprocess import SubprocessTransport, pipes, processes

    async def main():
        transport, proto = await processes.subprocess_exec(
            loop, helpers.Recorder, PY, "-c", "print(input()[::-1])"
        )
        assert isinstance(transport, SubprocessTransport)
        transport.get_pipe_transport(0).write(b"olleh\n")
        await proto.lost
        transport.close()
        r, w = os.pipe()
        rt, rp = await pipes.connect_read_pipe(loop, asyncio.Protocol, open(r, "rb", 0))
        wt, wp = await pipes.connect_write_pipe(
            loop, asyncio.Protocol, open(w, "wb", 0)
        )
        wt.write(b"x")
        wt.close()
        rt.close()
        await asyncio.sleep(0)
        return bytes(proto.data[1]), transport.get_returncode()

    assert run(main()) == (b"hello\n", 0)


# -- failures while starting, and wait() (3.14) ------------------------------

BLOCKED = "import time; time.sleep(3600)"


@pytest.mark.parametrize("error", [asyncio.CancelledError, ConnectionError])
@pytest.mark.parametrize("which", ["connect_read_pipe", "connect_write_pipe"])
def test_a_pipe_that_fails_to_connect_fails_the_start(loop, helpers, error, which):
    # The loop's connect_*_pipe overridden on the instance (as a test or a
    # wrapper might): its error reaches the caller, the child is killed and
    # reaped. Run as the loop's only task, not under wait_for().
    import loop_core

    if sys.version_info < (3, 14) and not isinstance(loop, loop_core.EventLoop):
        pytest.skip(
            "asyncio before 3.14 hangs here: wait() waits for a pipe never made"
        )

    async def failing(*args, **kwargs):
        raise error

    async def main():
        setattr(loop, which, failing)
        try:
            with pytest.raises(error):
                await loop.subprocess_exec(
                    helpers.Recorder, PY, "-c", BLOCKED, stdin=subprocess.PIPE
                )
        finally:
            delattr(loop, which)

    before = helpers.zombies()
    loop.run_until_complete(main())
    assert helpers.zombies() == before


@pytest.mark.skipif(sys.version_info < (3, 14), reason="asyncio 3.14 behaviour")
def test_wait_returns_at_exit_while_a_grandchild_holds_the_pipes(loop, run):
    # The grandchild inherits stdin and stdout and outlives the child: the
    # pipes never reach EOF, yet wait() returns once the child has exited.
    code = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
        "\"import sys; print('up', flush=True); sys.stdin.read()\"])"
    )

    async def main():
        proc = await asyncio.create_subprocess_exec(
            PY, "-c", code, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        waiting = asyncio.ensure_future(proc.wait())
        assert await proc.stdout.readline() == b"up\n"
        proc.kill()
        assert await waiting == -signal.SIGKILL
        proc.stdin.close()  # the grandchild's stdin: it ends now
        await proc.stdout.read()

    run(main())
