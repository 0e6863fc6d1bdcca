"""``python -m loop_policy``: a program run through it sees what it would
see under plain ``python`` (argv, __name__, sys.path[0], tracebacks, exit
statuses), except that its loop is ours. Where python itself is the
reference, both are run and compared."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

PROG = "python -m loop_policy"


def python(*args, cwd, stdin=None):
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        input=stdin,
        env=env,
    )


def ours(*args, cwd, stdin=None):
    return python("-m", "loop_policy", *args, cwd=cwd, stdin=stdin)


def write(path, source):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


PROBE = """
    import asyncio, os, sys

    async def main():
        loop = asyncio.get_running_loop()
        print(type(loop).__module__ + "." + type(loop).__name__)
        print(sys.argv)
        print(__name__)
        print(sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
        print(os.path.isabs(__file__))
        return 3

    if __name__ == "__main__":
        sys.exit(asyncio.run(main()))
"""


def test_script_runs_on_our_loop_with_pythons_view(tmp_path):
    write(tmp_path / "sub" / "probe.py", PROBE)
    out = ours("sub/probe.py", "a", "b", cwd=tmp_path)
    assert out.returncode == 3, out.stderr
    assert out.stderr == ""
    assert out.stdout.splitlines() == [
        "loop_core._loop.EventLoop",
        "['sub/probe.py', 'a', 'b']",
        "__main__",
        "True",
        "True",
    ]
    # Plain python gives the same, but asyncio's loop.
    plain = python("sub/probe.py", "a", "b", cwd=tmp_path)
    assert plain.returncode == 3
    assert plain.stdout.splitlines()[1:] == out.stdout.splitlines()[1:]
    assert "loop_core" not in plain.stdout


APP = """\
import asyncio

async def main():
    return type(asyncio.get_running_loop()).__name__

print(asyncio.run(main()))
with asyncio.Runner() as runner:
    print(runner.run(main()))
loop = asyncio.new_event_loop()
print(type(loop).__name__)
loop.close()
"""


@pytest.mark.parametrize("how", ["script", "module", "code"])
def test_runs_clean_with_warnings_as_errors(tmp_path, how):
    """No DeprecationWarning of the policy system (3.14, 3.15) comes from
    the runner: asyncio.run(), asyncio.Runner() and asyncio.new_event_loop()
    give our loop under -W error on every Python."""
    (tmp_path / "app.py").write_text(APP)
    args = {"script": ["app.py"], "module": ["-m", "app"], "code": ["-c", APP]}[how]
    out = python("-W", "error", "-m", "loop_policy", *args, cwd=tmp_path)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.split() == ["EventLoop"] * 3
    plain = python("-W", "error", "app.py", cwd=tmp_path)
    assert (plain.returncode, plain.stderr) == (0, "")
    assert "EventLoop" not in plain.stdout.split()


def test_arguments_that_look_like_options_go_to_the_script(tmp_path):
    write(tmp_path / "argv.py", "import sys; print(sys.argv[1:])")
    out = ours("argv.py", "-m", "--help", "-c", cwd=tmp_path)
    assert out.stdout == "['-m', '--help', '-c']\n"


def test_uncaught_exception_prints_pythons_traceback(tmp_path):
    write(
        tmp_path / "boom.py",
        """
        def inner():
            try:
                {}["key"]
            except KeyError as exc:
                raise ValueError("boom") from exc

        inner()
        """,
    )
    out = ours("boom.py", cwd=tmp_path)
    plain = python("boom.py", cwd=tmp_path)
    assert (out.returncode, plain.returncode) == (1, 1)
    assert out.stderr == plain.stderr
    assert out.stderr.startswith("Traceback (most recent call last):\n")
    assert "direct cause" in out.stderr
    assert out.stderr.endswith("ValueError: boom\n")


def script_frames(stderr, name):
    return [line for line in stderr.splitlines() if name in line]


def test_uncaught_exception_from_asyncio_run(tmp_path):
    write(
        tmp_path / "aboom.py",
        """
        import asyncio

        async def main():
            await asyncio.sleep(0)
            raise ValueError("boom")

        asyncio.run(main())
        """,
    )
    out = ours("aboom.py", cwd=tmp_path)
    plain = python("aboom.py", cwd=tmp_path)
    assert (out.returncode, plain.returncode) == (1, 1)
    # The loop's own run_until_complete frame is the one difference.
    assert script_frames(out.stderr, "aboom.py") == script_frames(
        plain.stderr, "aboom.py"
    )
    assert len(script_frames(out.stderr, "aboom.py")) == 2
    assert out.stderr.splitlines()[0] == "Traceback (most recent call last):"
    assert out.stderr.endswith("ValueError: boom\n")
    assert "loop_policy" not in out.stderr
    assert "runpy" not in out.stderr


def test_syntax_error(tmp_path):
    write(tmp_path / "bad.py", "def (\n")
    out = ours("bad.py", cwd=tmp_path)
    plain = python("bad.py", cwd=tmp_path)
    assert out.returncode == plain.returncode == 1
    assert out.stderr == plain.stderr
    assert "SyntaxError" in out.stderr


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [
        ("sys.exit()", 0, ""),
        ("sys.exit(7)", 7, ""),
        ("sys.exit('bye')", 1, "bye\n"),
        ("raise SystemExit(None)", 0, ""),
    ],
)
def test_system_exit(tmp_path, code, status, stderr):
    write(tmp_path / "exit.py", f"import sys\n{code}\n")
    out = ours("exit.py", cwd=tmp_path)
    assert (out.returncode, out.stderr) == (status, stderr)


def test_keyboard_interrupt_kills_with_sigint_like_python(tmp_path):
    write(
        tmp_path / "ctrl_c.py",
        """
        import atexit, asyncio, signal

        atexit.register(print, "atexit ran", flush=True)

        async def main():
            signal.raise_signal(signal.SIGINT)
            await asyncio.sleep(3600)

        asyncio.run(main())
        """,
    )
    # A child inherits an ignored SIGINT (this run may be a background job
    # of a non-interactive shell), and Python then keeps it ignored; a
    # caught one is reset to the default by exec, as from a terminal.
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        out = ours("ctrl_c.py", cwd=tmp_path)
        plain = python("ctrl_c.py", cwd=tmp_path)
    finally:
        signal.signal(signal.SIGINT, saved)
    assert out.returncode == plain.returncode == -signal.SIGINT
    assert out.stdout == plain.stdout == "atexit ran\n"
    assert out.stderr.splitlines()[-1] == "KeyboardInterrupt"
    assert out.stderr.splitlines()[0] == "Traceback (most recent call last):"
    assert "loop_policy" not in out.stderr


def test_custom_excepthook_is_used(tmp_path):
    write(
        tmp_path / "hook.py",
        """
        import sys
        def hook(kind, value, tb):
            print("hooked", kind.__name__, tb.tb_frame.f_code.co_name)
        sys.excepthook = hook
        raise OSError("x")
        """,
    )
    out = ours("hook.py", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout == "hooked OSError <module>\n"


def test_classes_defined_in_main_pickle(tmp_path):
    write(
        tmp_path / "pickler.py",
        """
        import atexit, pickle

        class Point:
            def __init__(self, x):
                self.x = x

        def at_exit():
            print("atexit", pickle.loads(pickle.dumps(Point(2))).x)

        atexit.register(at_exit)
        copy = pickle.loads(pickle.dumps(Point(1)))
        print(type(copy) is Point, copy.x)
        """,
    )
    out = ours("pickler.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "True 1\natexit 2\n"


def test_spawned_workers_unpickle_main_classes(tmp_path):
    write(
        tmp_path / "spawner.py",
        """
        import asyncio, concurrent.futures, multiprocessing

        class Box:
            def __init__(self, v):
                self.v = v

        def double(box):
            return Box(box.v * 2)

        async def main():
            context = multiprocessing.get_context("spawn")
            loop = asyncio.get_running_loop()
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                box = await loop.run_in_executor(pool, double, Box(21))
            print(type(loop).__name__, type(box).__name__, box.v)

        if __name__ == "__main__":
            asyncio.run(main())
        """,
    )
    out = ours("spawner.py", cwd=tmp_path)
    assert (out.returncode, out.stdout, out.stderr) == (0, "EventLoop Box 42\n", "")


def test_module(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "")
    write(
        tmp_path / "pkg" / "probe.py",
        PROBE.replace("os.path.dirname(os.path.realpath(__file__))", "os.getcwd()"),
    )
    out = ours("-m", "pkg.probe", "x", cwd=tmp_path)
    assert out.returncode == 3, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "loop_core._loop.EventLoop"
    assert lines[1] == repr([str(tmp_path / "pkg" / "probe.py"), "x"])
    assert lines[2:] == ["__main__", "True", "True"]


def test_module_raising(tmp_path):
    write(tmp_path / "failing.py", "raise LookupError('nope')\n")
    out = ours("-m", "failing", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr.endswith("LookupError: nope\n")
    assert "loop_policy" not in out.stderr


def test_missing_module(tmp_path):
    out = ours("-m", "no_such_module_here", cwd=tmp_path)
    assert out.returncode == 1
    assert out.stderr == f"{PROG}: No module named no_such_module_here\n"


def test_missing_script(tmp_path):
    out = ours("missing.py", "arg", cwd=tmp_path)
    plain = python("missing.py", cwd=tmp_path)
    assert out.returncode == plain.returncode == 2
    path = tmp_path / "missing.py"
    # python's own wording: CPython quotes the path, PyPy does not.
    shown = path if sys.implementation.name == "pypy" else f"'{path}'"
    assert out.stderr == (
        f"{PROG}: can't open file {shown}: [Errno 2] No such file or directory\n"
    )
    assert plain.stderr.endswith(out.stderr[len(PROG) :])


def test_code_and_stdin(tmp_path):
    code = (
        "import asyncio, sys; print(sys.argv, sys.path[0] == ''); "
        "print(type(asyncio.new_event_loop()).__name__)"
    )
    out = ours("-c", code, "z", cwd=tmp_path)
    assert (out.returncode, out.stdout) == (0, "['-c', 'z'] True\nEventLoop\n")
    out = ours("-", "z", cwd=tmp_path, stdin=code)
    assert (out.returncode, out.stdout) == (0, "['-', 'z'] True\nEventLoop\n")


def test_directory_with_main(tmp_path):
    write(tmp_path / "app" / "__main__.py", "import sys; print(__name__, sys.argv)")
    out = ours("app", "q", cwd=tmp_path)
    assert (out.returncode, out.stdout) == (0, "__main__ ['app', 'q']\n")


def test_directory_without_main(tmp_path):
    (tmp_path / "empty").mkdir()
    out = ours("empty", cwd=tmp_path)
    plain = python("empty", cwd=tmp_path)
    assert out.returncode == plain.returncode == 1
    assert plain.stderr.endswith(out.stderr[len(PROG) :])
    assert out.stderr.startswith(f"{PROG}: can't find '__main__' module in ")


def test_code_traceback_like_python(tmp_path):
    code = "def f():\n    return 1 / 0\nf()"
    out = ours("-c", code, cwd=tmp_path)
    plain = python("-c", code, cwd=tmp_path)
    assert out.returncode == plain.returncode == 1
    assert out.stderr == plain.stderr
    assert 'File "<string>", line 3, in <module>' in out.stderr


def test_safe_path_keeps_the_script_directory_off_sys_path(tmp_path):
    write(tmp_path / "sub" / "where.py", "import sys; print(sys.path[0])")
    out = python("-P", "-m", "loop_policy", "sub/where.py", cwd=tmp_path)
    plain = python("-P", "sub/where.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == plain.stdout
    assert out.stdout.strip() != str(tmp_path / "sub")


def test_help_and_usage_errors(tmp_path):
    out = ours("--help", cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.startswith(f"usage: {PROG}")
    for args in ([], ["-m"], ["--bogus"]):
        out = ours(*args, cwd=tmp_path)
        assert out.returncode == 2
        assert out.stderr.startswith(f"usage: {PROG}")
