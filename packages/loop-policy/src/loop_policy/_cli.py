"""``python -m loop_policy``: run an unchanged asyncio program on our loop.

The promise is that the program cannot tell it is not run by ``python``
itself, except by the type of its loop: ``sys.argv``, ``sys.path[0]``,
``__main__`` (a real module in ``sys.modules``, so classes defined there
pickle), ``__file__``, tracebacks without any frame of ours, exit statuses
(1 on an uncaught exception, ``SystemExit`` codes as given, death by SIGINT
after an uncaught KeyboardInterrupt) and the one-line errors for a missing
file (status 2) or module (status 1).
"""

from __future__ import annotations

import atexit
import builtins
import io
import os
import runpy
import signal
import sys
import types
from types import TracebackType
from typing import NoReturn

from ._auto import ENV
from ._install import install

__all__ = ["main"]

PROG = "python -m loop_policy"
USAGE = f"usage: {PROG} [-h] (script.py | -m module | -c code | -) [args ...]"
HELP = f"""{USAGE}

Run an unchanged asyncio program on loop-core's event loop: loop_policy's
install() runs first, so asyncio.run(), asyncio.Runner() and
asyncio.new_event_loop() give our loop. Everything after the script,
module or code is passed to the program in sys.argv, as python does.

  script.py     run a file (or a directory / zip archive with __main__.py)
  -m module     run a library module as a script (like python -m)
  -c code       run code given as a string (like python -c)
  -             read the program from stdin
  -h, --help    show this message and exit

Child Python processes (multiprocessing workers, uvicorn --workers, ...)
run on our loop too: LOOP_POLICY_AUTO=1 is set for them, which
loop-policy's .pth file acts on. Set LOOP_POLICY_AUTO=0 to opt out.
"""

_interrupted = False


def _die_of_sigint() -> None:
    """At exit after an uncaught KeyboardInterrupt, end the way python
    does: killed by SIGINT, so a shell or parent sees the interrupt."""
    if not _interrupted or os.name != "posix":
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


def _usage_error(message: str) -> NoReturn:
    print(USAGE, file=sys.stderr)
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _fail(message: str, status: int) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr)
    raise SystemExit(status)


def _fresh_main(**attrs: object) -> dict[str, object]:
    """A new ``__main__`` module, left in sys.modules as python leaves its
    own: pickle, multiprocessing and atexit code find the program's
    classes there even after it returns."""
    module = types.ModuleType("__main__")
    module.__dict__.update(attrs, __builtins__=builtins)
    sys.modules["__main__"] = module
    return module.__dict__


def _run_source(source: bytes | str, filename: str, **attrs: object) -> None:
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, _fresh_main(**attrs))


def _run_script(path: str, args: list[str]) -> None:
    sys.argv[:] = [path, *args]
    safe = sys.flags.safe_path
    if os.path.isdir(path) or _is_archive(path):
        # runpy knows how to find __main__ in a directory or zip, and puts
        # the path itself first on sys.path (as python does).
        if not safe and sys.path:
            del sys.path[0]
        try:
            runpy.run_path(path, run_name="__main__")
        except ImportError as exc:
            if _program_traceback(exc.__traceback__) is not None:
                raise
            # python names the place it looked in with an absolute path.
            where = os.path.abspath(path)
            _fail(f"can't find '__main__' module in {where!r}", 1)
        return
    filename = os.path.abspath(path)
    try:
        # open_code: what python itself opens scripts with (audit hooks).
        with io.open_code(filename) as f:
            source = f.read()
    except OSError as exc:
        # CPython quotes the path (repr); PyPy prints it bare.
        shown = filename if sys.implementation.name == "pypy" else repr(filename)
        _fail(f"can't open file {shown}: [Errno {exc.errno}] {exc.strerror}", 2)
    if path.endswith((".pyc", ".pyo")):
        runpy.run_path(path, run_name="__main__")
        return
    if not safe:
        # python puts the script's directory, symbolic links resolved,
        # where `python -m loop_policy` put the working directory.
        directory = os.path.dirname(os.path.realpath(filename))
        if sys.path:
            sys.path[0] = directory
        else:
            sys.path.insert(0, directory)
    from importlib.machinery import SourceFileLoader

    loader = SourceFileLoader("__main__", filename)
    _run_source(source, filename, __file__=filename, __loader__=loader, __cached__=None)


def _is_archive(path: str) -> bool:
    if path.endswith(".py") or not os.path.isfile(path):
        return False
    import zipfile

    return zipfile.is_zipfile(path)


def _run_module(name: str, args: list[str]) -> None:
    # runpy puts the module's file in argv[0] while it runs, as python -m.
    sys.argv[:] = ["-m", *args]
    runpy.run_module(name, run_name="__main__", alter_sys=True)


def _run_code(code: str, filename: str, argv0: str, args: list[str]) -> None:
    sys.argv[:] = [argv0, *args]
    if not sys.flags.safe_path:
        if sys.path:
            sys.path[0] = ""
        else:
            sys.path.insert(0, "")
    from importlib.machinery import BuiltinImporter

    _run_source(code, filename, __loader__=BuiltinImporter)


def _show_source_in_tracebacks(code: str, filename: str) -> None:
    """From 3.13 python's tracebacks of ``-c`` code quote its lines; it
    puts the source where the traceback module looks, and so do we."""
    import linecache

    lines = code.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(code), None, lines, filename)


def _program_traceback(tb: TracebackType | None) -> TracebackType | None:
    """The traceback from the program's first frame on: python's own shows
    no frame of the runner, and neither do we."""
    ours = {__name__, "runpy"}
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in ours:
        tb = tb.tb_next
    return tb


def _report(exc: BaseException) -> None:
    """Print an uncaught exception as python would: through sys.excepthook
    (the program may have replaced it), with sys.last_* set."""
    exc = exc.with_traceback(_program_traceback(exc.__traceback__))
    sys.last_type, sys.last_value = type(exc), exc
    sys.last_traceback = exc.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = exc
    try:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    except BaseException as hook_exc:
        print("Error in sys.excepthook:", file=sys.stderr)
        sys.__excepthook__(type(hook_exc), hook_exc, hook_exc.__traceback__)
        print("\nOriginal exception was:", file=sys.stderr)
        sys.__excepthook__(type(exc), exc, exc.__traceback__)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, install our loop and run the program;
    returns when it ends normally, else raises SystemExit with python's
    status for the way it ended."""
    global _interrupted
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        _usage_error("a script, -m module, -c code or - is required")
    first, rest = args[0], args[1:]
    if first in ("-h", "--help"):
        print(HELP, end="")
        return
    mode, target = "script", first
    if first in ("-m", "-c"):
        if not rest:
            _usage_error(f"argument {first}: expected one argument")
        mode, target, rest = first, rest[0], rest[1:]
    elif first.startswith(("-m", "-c")) and len(first) > 2:
        mode, target = first[:2], first[2:]
    elif first == "--":
        if not rest:
            _usage_error("a script is required after --")
        target, rest = rest[0], rest[1:]
    elif first != "-" and first.startswith("-"):
        _usage_error(f"unrecognized option {first!r}")

    # The program's child Pythons (multiprocessing, server workers) run on
    # our loop too, through loop_policy_auto.pth; LOOP_POLICY_AUTO=0 opts out.
    os.environ.setdefault(ENV, "1")
    install()
    atexit.register(_die_of_sigint)
    try:
        if mode == "-m":
            _run_module(target, rest)
        elif mode == "-c":
            if sys.version_info >= (3, 13):
                _show_source_in_tracebacks(target, "<string>")
            _run_code(target + "\n", "<string>", "-c", rest)
        elif target == "-":
            _run_code(sys.stdin.read(), "<stdin>", "-", rest)
        else:
            _run_script(target, rest)
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        _report(exc)
        _interrupted = True
        raise SystemExit(130) from None
    except BaseException as exc:
        if (
            isinstance(exc, ImportError)
            and _program_traceback(exc.__traceback__) is None
        ):
            # runpy could not find the module or a directory's __main__:
            # a one-line message and status 1, as python gives.
            _fail(str(exc), 1)
        _report(exc)
        raise SystemExit(1) from None
