"""The project's sessions: tests per package x Python, lint, types,
conformance, bench, bench_http and demo.

Interpreters are found under ``$(pyenv root)/versions/*/bin`` as well as on
PATH; a Python that is not installed is skipped with a message, never an
error (also on CI, where nox would otherwise fail on it). nox never
downloads one. Where 3.14, 3.15 or PyPy 3.11 is missing but
``../shared/tools/newer-pythons.sh`` (a Debian chroot that has them) can
run, the ``newer_pythons`` session runs the per-Python sessions there.

Every session's venv name carries its Python (``lint-3.13``), so switching
interpreters never reuses a venv made for another one.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nox
from nox.command import CommandFailed

ROOT = Path(__file__).parent
CPYTHONS = ["3.11", "3.12", "3.13", "3.14", "3.15"]
PYPYS = ["pypy3.11"]
PYTHONS = [*CPYTHONS, *PYPYS]
# What the chroot of newer-pythons.sh provides (Debian forky's packages).
CHROOT_PYTHONS = ["3.14", "3.15", "pypy3.11"]
# What the chroot must hold: the interpreters, CPython's and PyPy's own test
# suites (conformance), and the openssl command (test certificates).
CHROOT_PACKAGES = ",".join(
    [
        "python3.14",
        "python3.14-venv",
        "python3.15",
        "python3.15-venv",
        "libpython3.14-testsuite",
        "libpython3.15-testsuite",
        "pypy3",
        "pypy3-venv",
        "pypy3-lib-testsuite",
        "openssl",
        "ca-certificates",
        "git",
    ]
)
NEWER_PYTHONS_TOOL = ROOT.parent / "shared" / "tools" / "newer-pythons.sh"
# The sessions that run once per Python, in the chroot as on the host.
PER_PYTHON_SESSIONS = [
    "tests",
    "integration_pythons",
    "conformance_quick",
    "demo_pythons",
]

# Each distribution, and the in-repo distributions it needs installed first.
PACKAGES: dict[str, list[str]] = {
    "loop-core": [],
    "loop-transports": ["loop-core"],
    "loop-subprocess": ["loop-core"],
    "loop-policy": ["loop-core"],
    "loop-streams": ["loop-core", "loop-transports", "loop-subprocess"],
    "loop-observe": ["loop-core", "loop-policy"],
}
# What a package's own tests need besides it and its dependencies: the
# runner's echo example uses loop-transports (asyncio.start_server).
TEST_WITH: dict[str, list[str]] = {"loop-policy": ["loop-transports"]}
# A package's optional extras, installed for its tests and for mypy.
EXTRAS_DEPS: dict[str, list[str]] = {
    "loop-observe": ["opentelemetry-api", "opentelemetry-sdk"],
}
TEST_DEPS = ["pytest>=8", "pytest-timeout>=2.3", "hypothesis>=6"]
# hypothesis's newest releases build a Rust core from source where no wheel
# fits (PyPy 8's ABI): take the newest release that has one instead.
WHEELS_ONLY = ["--only-binary", "hypothesis"]
# What the conformance run installs: a distribution joins once all of its
# methods are implemented, so its CPython tests count as real results
# (until then they are reported as "needs <distribution>").
CONFORMANCE_PACKAGES = list(PACKAGES)

# The distributions that need another one present: streams rides on
# transports. Every other combination that includes loop-core is "closed".
OPTIONAL = [
    "loop-transports",
    "loop-subprocess",
    "loop-policy",
    "loop-streams",
    "loop-observe",
]
WHEEL_BUILDER = "flit_core>=3.9,<4"

nox.options.sessions = [
    "lint",
    "types",
    "tests",
    "integration",
    "integration_pythons",
    "conformance_quick",
    "docs",
    "demo_pythons",
    "build",
    "newer_pythons",
]
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True


def _add_pyenv_to_path() -> None:
    """Let nox find pyenv's interpreters (python3.11, ...) without shims."""
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        try:
            root = subprocess.run(
                ["pyenv", "root"], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            root = None
    root = root or os.path.expanduser("~/.pyenv")
    dirs = sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")))
    if dirs:
        os.environ["PATH"] = os.pathsep.join([*dirs, os.environ.get("PATH", "")])


def _executable(version: str) -> str:
    return version if version.startswith("pypy") else f"python{version}"


def _available(versions: list[str]) -> list[str]:
    found = [v for v in versions if shutil.which(_executable(v))]
    missing = [v for v in versions if v not in found]
    if missing and not os.environ.get("LOOP_NOX_QUIET"):
        print(
            f"nox: {', '.join(missing)} not found (looked on PATH and in pyenv): "
            "skipped here" + (", run by newer_pythons" if _chroot_usable() else "")
        )
    return found


def _chroot_usable() -> bool:
    return NEWER_PYTHONS_TOOL.exists() and os.geteuid() == 0


_add_pyenv_to_path()
AVAILABLE = _available(PYTHONS) or [f"{sys.version_info[0]}.{sys.version_info[1]}"]
# The newest CPython found runs the sessions that need only one Python.
NEWEST_AVAILABLE = [v for v in AVAILABLE if v in CPYTHONS][-1:] or AVAILABLE[-1:]


def _install_packages(session: nox.Session, names: list[str], *extra: str) -> None:
    """Install in-repo distributions (with their in-repo deps) editable."""
    seen: list[str] = []

    def walk(name: str) -> None:
        for dep in PACKAGES[name]:
            walk(dep)
        if name not in seen:
            seen.append(name)

    for name in names:
        walk(name)
    args: list[str] = []
    for name in seen:
        args += ["-e", f"packages/{name}"]
    session.install(*args, *extra, *WHEELS_ONLY)


@nox.session(python=AVAILABLE)
@nox.parametrize("package", list(PACKAGES))
def tests(session: nox.Session, package: str) -> None:
    """One package's own tests on one Python."""
    _install_packages(
        session,
        [package, *TEST_WITH.get(package, [])],
        *TEST_DEPS,
        *EXTRAS_DEPS.get(package, []),
    )
    session.run(
        "pytest",
        f"packages/{package}/tests",
        *session.posargs,
        success_codes=[0, 5],  # 5: a package that has no tests yet
    )


@nox.session(python=NEWEST_AVAILABLE)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=NEWEST_AVAILABLE)
def types(session: nox.Session) -> None:
    """mypy --strict over every package's src/, and over a user's program."""
    extras = [dep for deps in EXTRAS_DEPS.values() for dep in deps]
    _install_packages(session, list(PACKAGES), "mypy", *TEST_DEPS, *extras)
    modules: list[str] = []
    for name in PACKAGES:
        modules += ["-p", name.replace("-", "_")]
    session.run("mypy", *modules)
    # What a user's type checker sees: asyncio's signatures on our loop.
    session.run("pytest", "packages/loop-core/tests/test_typing.py")


@nox.session(python=AVAILABLE)
def conformance(session: nox.Session) -> None:
    """CPython's own test_asyncio run against our loop; writes RESULTS.md."""
    _install_packages(session, CONFORMANCE_PACKAGES)
    session.run("python", "conformance/run.py", "--write", *session.posargs)


@nox.session(python=AVAILABLE)
def conformance_quick(session: nox.Session) -> None:
    """A fast subset of the conformance run, for the default test command."""
    _install_packages(session, CONFORMANCE_PACKAGES)
    session.run("python", "conformance/run.py", "--quick", *session.posargs)


# Third-party modules uvloop's test modules import (test_tcp: pyOpenSSL,
# test_process: psutil, test_aiohttp: aiohttp). Each is installed where a
# wheel exists; a module whose dependency is missing is reported skipped.
UVLOOP_TEST_DEPS = ["psutil", "pyOpenSSL", "aiohttp"]


@nox.session(python=AVAILABLE)
def conformance_uvloop(session: nox.Session) -> None:
    """uvloop's test suite (its asyncio variants) on our loop, then on
    asyncio's as the baseline; writes RESULTS.md. pip fetches the pinned
    sdist into conformance/.cache on the first run."""
    _install_packages(session, CONFORMANCE_PACKAGES, "pip")
    for dep in UVLOOP_TEST_DEPS:
        try:
            session.install("--only-binary", ":all:", dep)
        except CommandFailed:
            session.log(f"{dep}: no wheel for this Python; its tests are skipped")
    # The baseline first: its record is written even when some test fails
    # on asyncio too; then ours, whose unexpected failures fail the session.
    for loop, codes in (("asyncio", [0, 1]), ("loop_core", [0])):
        session.run(
            "python",
            "conformance/run.py",
            "--catalog=uvloop",
            "--write",
            f"--loop={loop}",
            *session.posargs,
            success_codes=codes,
        )


# The PyPy run's record: bench_pypy writes it, bench puts it on the page.
PYPY_RECORD = "benchmarks/results/pypy-latest.json"


@nox.session(python=NEWEST_AVAILABLE)
def bench(session: nox.Session) -> None:
    """Our loop vs asyncio (and uvloop) in one run; writes benchmarks/results/.

    First the same suite on PyPy (bench_pypy; through the chroot where this
    machine has no PyPy), whose table goes on the same results page."""
    _install_packages(session, list(PACKAGES), "uvloop", "matplotlib", "trustme")
    started = time.time()
    if "pypy3.11" not in AVAILABLE and _chroot_usable():
        try:
            _run_in_chroot(session, ["bench_pypy"], ["pypy3.11"], session.posargs)
        except CommandFailed:
            session.warn("the PyPy run failed: the page has no PyPy section")
    record = ROOT / PYPY_RECORD
    pypy = []
    if record.exists() and record.stat().st_mtime >= started:
        pypy = ["--pypy", PYPY_RECORD]
    else:
        session.log(
            "no PyPy run: run `nox -s bench_pypy bench` where PyPy 3.11 is on PATH"
        )
    session.run("python", "benchmarks/run.py", *pypy, *session.posargs)


@nox.session(python=["pypy3.11"])
def bench_pypy(session: nox.Session) -> None:
    """The suite on PyPy, ours against asyncio's loop there: the JSON record
    that bench puts on the results page (TLS certificates from the openssl
    command: trustme's cryptography has no PyPy 3.11 wheel)."""
    _install_packages(session, list(PACKAGES))
    session.run(
        "python",
        "benchmarks/run.py",
        "--no-write",
        "--json",
        PYPY_RECORD,
        *session.posargs,
    )


# What the HTTP servers of benchmarks/http/ need besides our loop; each is
# installed on its own in the PyPy venv, where one may have no wheel.
HTTP_BENCH_DEPS = ["aiohttp", "uvicorn", "httptools"]
# The chroot for bench_http: also a C compiler and PyPy's headers, to build
# httptools (uvicorn's parser) for PyPy, which has no wheel for it.
HTTP_CHROOT_PACKAGES = f"{CHROOT_PACKAGES},gcc,pypy3-dev"
# PyPy's venv for the HTTP servers, inside the worktree: the chroot of
# newer-pythons.sh sees only the current directory (and not the host's /tmp).
PYPY_HTTP_VENV = ".v-pypy3"

# Makes (once) and updates a venv for the HTTP servers, on the host or in the
# chroot: $1 the interpreter, $2 the venv, then the optional distributions.
# Our packages must install; a framework that cannot (httptools has no PyPy
# wheel and builds its C there: HTTP_CHROOT_PACKAGES brings the compiler) is
# a message, and run.py skips the servers that need it. The host's pip
# settings may name host paths.
_HTTP_VENV_SCRIPT = """
unset PIP_FIND_LINKS
python=$1 venv=$2
shift 2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || exit 1
pip="$venv/bin/python -m pip install -q --disable-pip-version-check"
$pip -e packages/loop-core -e packages/loop-transports || exit 1
for dist in "$@"; do
    $pip "$dist" >"$venv/pip-$dist.log" 2>&1 || echo "bench_http: $dist" \
        "cannot be installed with $python (log: $venv/pip-$dist.log): skipped"
done
"""


def _pypy_for_http(session: nox.Session) -> list[str]:
    """``--python`` arguments for PyPy 3.11: on the host if it is on PATH,
    else in the chroot of newer-pythons.sh (root only), else none."""
    if "pypy3.11" in AVAILABLE:
        venv = f"{PYPY_HTTP_VENV}-host"
        session.run(
            "sh",
            "-c",
            _HTTP_VENV_SCRIPT,
            "sh",
            "pypy3.11",
            venv,
            *HTTP_BENCH_DEPS,
            external=True,
        )
        return ["--python", f"{venv}/bin/python"]
    if not _chroot_usable():
        session.log(
            f"PyPy 3.11: not on PATH, and {NEWER_PYTHONS_TOOL} is missing or "
            "needs root: PyPy skipped"
        )
        return []
    session.run(
        str(NEWER_PYTHONS_TOOL),
        "sh",
        "-c",
        _HTTP_VENV_SCRIPT,
        "sh",
        "pypy3",
        PYPY_HTTP_VENV,
        *HTTP_BENCH_DEPS,
        external=True,
        env={"FORKY_PACKAGES": HTTP_CHROOT_PACKAGES},
    )
    tool = shlex.quote(str(NEWER_PYTHONS_TOOL))
    return ["--python", f"{tool} {PYPY_HTTP_VENV}/bin/python"]


@nox.session(python=NEWEST_AVAILABLE)
def bench_http(session: nox.Session) -> None:
    """HTTP servers (aiohttp, uvicorn + httptools, a raw Protocol) under wrk
    on asyncio, uvloop and ours, CPython and PyPy; writes
    benchmarks/results/http.*. Not a default session: ~40 minutes (best of
    3 rounds of 10 s per point); ``-- --duration 5 --rounds 1`` for a quick
    run; ``-- --python CMD`` picks the Pythons yourself."""
    if not shutil.which("wrk"):
        session.skip(
            "wrk is not installed: apt-get install -y wrk (Debian/Ubuntu, as root)"
        )
    _install_packages(
        session,
        ["loop-core", "loop-transports"],
        "uvloop",
        "matplotlib",
        *HTTP_BENCH_DEPS,
    )
    pythons: list[str] = []
    if "--python" not in session.posargs:
        pythons = ["--python", os.path.join(session.bin, "python")]
        pythons += _pypy_for_http(session)
    session.run(
        "python",
        "benchmarks/http/run.py",
        *pythons,
        *session.posargs,
        env={"FORKY_QUIET": "1", "FORKY_PACKAGES": HTTP_CHROOT_PACKAGES},
    )


@nox.session(python=NEWEST_AVAILABLE)
def demo(session: nox.Session) -> None:
    """What a newcomer runs first: examples on our loop and a quick comparison."""
    _install_packages(session, list(PACKAGES), "uvloop", "trustme")
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session(python=AVAILABLE)
def demo_pythons(session: nox.Session) -> None:
    """The demo's programs on every Python, with warnings as errors (no
    DeprecationWarning of ours may reach a user on 3.14+)."""
    _install_packages(session, list(PACKAGES))
    session.run(
        "python",
        "examples/demo.py",
        "--no-bench",
        *session.posargs,
        env={"PYTHONWARNINGS": "error"},
    )


def _closed_subsets() -> list[list[str]]:
    """Every installable combination: loop-core plus any of the others,
    loop-streams only together with loop-transports, loop-observe only
    together with loop-policy (its dependencies)."""
    subsets: list[list[str]] = []
    for mask in range(1 << len(OPTIONAL)):
        chosen = [name for i, name in enumerate(OPTIONAL) if mask >> i & 1]
        if "loop-streams" in chosen and "loop-transports" not in chosen:
            continue
        if "loop-observe" in chosen and "loop-policy" not in chosen:
            continue
        subsets.append(["loop-core", *chosen])
    return subsets


def _subset_id(subset: list[str]) -> str:
    return "+".join(name.removeprefix("loop-") for name in subset)


_wheels: dict[str, str] = {}


def _build_wheels(session: nox.Session) -> dict[str, str]:
    """Build every distribution's wheel once per nox run (with its own
    build backend, as pip would), so the matrix installs what users would."""
    if not _wheels:
        outdir = Path(session.create_tmp()) / "wheels"
        shutil.rmtree(outdir, ignore_errors=True)
        session.install("build", WHEEL_BUILDER)
        for name in PACKAGES:
            # Through the PEP 517 hooks, as pip builds: loop-policy's backend
            # adds a file to flit's wheel.
            session.run(
                "python",
                "-m",
                "build",
                "--wheel",
                "--no-isolation",
                "--outdir",
                str(outdir),
                f"packages/{name}",
                silent=True,
            )
        for name in PACKAGES:
            module = name.replace("-", "_")
            (wheel,) = outdir.glob(f"{module}-*.whl")
            _wheels[name] = str(wheel)
    return _wheels


def _run_integration(session: nox.Session, subset: list[str]) -> None:
    wheels = _build_wheels(session)
    session.install(
        *(wheels[name] for name in subset), *TEST_DEPS, WHEEL_BUILDER, *WHEELS_ONLY
    )
    session.run(
        "pytest",
        "tests-integration",
        "--ignore=tests-integration/thirdparty",
        *session.posargs,
        env={"LOOP_EXPECTED_DISTRIBUTIONS": ",".join(subset)},
    )


@nox.session(python=NEWEST_AVAILABLE)
@nox.parametrize(
    "subset",
    [nox.param(s, id=_subset_id(s)) for s in _closed_subsets()],
)
def integration(session: nox.Session, subset: list[str]) -> None:
    """Cross-package tests on every closed subset, installed from wheels."""
    _run_integration(session, subset)


@nox.session(python=AVAILABLE)
def integration_pythons(session: nox.Session) -> None:
    """Cross-package tests with every distribution on every Python."""
    _run_integration(session, list(PACKAGES))


THIRDPARTY_DEPS = [
    "aiohttp",
    "websockets>=13",
    "uvicorn",
    "httptools",
    "h11",
    "httpx",
    "trustme>=1.1",
    # A distributed engine whose workers are child processes.
    "dask[array]",
    "distributed",
    "numpy",
]


# Every distribution the project publishes: the packages and the
# meta-distribution that pulls them all in.
DISTRIBUTIONS = [*PACKAGES, "loop-all"]
DIST = ROOT / "dist"

# Run in a fresh venv after installing: every distribution is importable, and
# ``python -m loop_core`` lists each with a version.
_INSTALL_CHECK = """
import subprocess, sys
out = subprocess.run([sys.executable, "-m", "loop_core"], capture_output=True,
                     text=True, check=True).stdout
missing = [n for n in sys.argv[1:] if f"  {n} " not in out or
           any(l.split()[:1] == [n] and "not installed" in l for l in out.splitlines())]
assert not missing, ("not installed", missing, out)
import loop_all, loop_core, loop_policy, loop_streams, loop_subprocess, loop_transports
print("installed:", ", ".join(sys.argv[1:]))
"""


def _check_fresh_install(session: nox.Session, name: str, *pip_args: str) -> None:
    """pip install ``pip_args`` into a new venv (plain venv + pip, as a user
    would), then check that every distribution arrived."""
    venv = Path(session.create_tmp()) / name
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    session.run(
        python,
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        *pip_args,
        external=True,
    )
    session.run(python, "-c", _INSTALL_CHECK, *DISTRIBUTIONS, external=True)


@nox.session(python=NEWEST_AVAILABLE)
def build(session: nox.Session) -> None:
    """Wheels and sdists of every distribution into dist/, then the README's
    two install commands (from the checkout, from dist/) in fresh venvs."""
    session.install("build", WHEEL_BUILDER)
    shutil.rmtree(DIST, ignore_errors=True)
    for name in DISTRIBUTIONS:
        session.run(
            "python",
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(DIST),
            f"packages/{name}",
            silent=True,
        )
    built = sorted(p.name for p in DIST.iterdir())
    session.log(f"dist/: {', '.join(built)}")
    _check_fresh_install(
        session, "from-checkout", *(f"./packages/{n}" for n in DISTRIBUTIONS)
    )
    _check_fresh_install(
        session, "from-dist", "--no-index", "--find-links", str(DIST), "loop-all"
    )


@nox.session(python=NEWEST_AVAILABLE)
def thirdparty(session: nox.Session) -> None:
    """Real asyncio software (aiohttp, websockets, uvicorn) on our loop."""
    _install_packages(session, list(PACKAGES), *TEST_DEPS, *THIRDPARTY_DEPS)
    session.run("pytest", "tests-integration/thirdparty", *session.posargs)


# MkDocs 2 drops plugins and hooks, which the site relies on; 1.6 added
# File.generated (docs/hooks.py). ruff lets mkdocstrings format signatures.
DOCS_DEPS = ["mkdocs>=1.6,<2", "mkdocs-material", "mkdocstrings[python]", "ruff"]


@nox.session(python=NEWEST_AVAILABLE)
def docs(session: nox.Session) -> None:
    """The HTML site into site/ (mkdocs.yml, docs/): the READMEs included at
    build time, API pages from docstrings, warnings as errors."""
    _install_packages(session, list(PACKAGES), *DOCS_DEPS)
    session.run(
        "mkdocs",
        "build",
        "--strict",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


# Runs inside the chroot: a venv of nox made once (it persists in the chroot),
# then the per-Python sessions for the interpreters the host lacks.
# The host's pip settings may name host paths (PIP_FIND_LINKS): not in there.
_CHROOT_SCRIPT = """
set -e
unset PIP_FIND_LINKS
nox=/opt/loop-nox
[ -e $nox/ready ] || {
    rm -rf $nox
    python3.14 -m venv $nox
    $nox/bin/pip install -q --disable-pip-version-check nox uv
    touch $nox/ready
}
export LOOP_NOX_QUIET=1
exec $nox/bin/nox "$@"
"""


@nox.session(python=False)
def newer_pythons(session: nox.Session) -> None:
    """The per-Python sessions on 3.14, 3.15 and PyPy 3.11 where this machine
    lacks them, in the Debian chroot of ../shared/tools/newer-pythons.sh."""
    wanted = [v for v in CHROOT_PYTHONS if v not in AVAILABLE]
    if not wanted:
        session.skip(
            "3.14, 3.15 and PyPy 3.11 are on PATH: the other sessions ran them"
        )
    if not _chroot_usable():
        session.skip(
            f"{', '.join(wanted)}: not on PATH, and {NEWER_PYTHONS_TOOL} "
            "is missing or needs root"
        )
    _run_in_chroot(session, session.posargs or PER_PYTHON_SESSIONS, wanted, [])


def _run_in_chroot(
    session: nox.Session, sessions: list[str], pythons: list[str], posargs: list[str]
) -> None:
    """nox ``sessions`` for ``pythons`` inside the chroot, ``posargs`` after --."""
    session.run(
        str(NEWER_PYTHONS_TOOL),
        "sh",
        "-c",
        _CHROOT_SCRIPT,
        "sh",
        "--sessions",
        *sessions,
        "--python",
        *pythons,
        *(["--", *posargs] if posargs else []),
        external=True,
        # Python must own SIGINT in there (asyncio.Runner, test_asyncio).
        env={"FORKY_RESET_SIGINT": "1", "FORKY_PACKAGES": CHROOT_PACKAGES},
    )
