"""LOOP_POLICY_AUTO=1: every Python process starts on our loop, through the
.pth file in loop-policy's wheel; multiprocessing children included."""

import os
import site
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.ours_only, pytest.mark.timeout(120)]

PTH = "loop_policy_auto.pth"
INSTALLED = any(
    os.path.exists(os.path.join(path, PTH))
    for path in [*site.getsitepackages(), site.getusersitepackages()]
)
needs_pth = pytest.mark.skipif(
    not INSTALLED, reason=f"{PTH} is not installed (loop-policy run from source)"
)

WHICH_LOOP = (
    "import asyncio; loop = asyncio.new_event_loop(); "
    "print(type(loop).__module__); loop.close()"
)

# A program whose children (spawn, forkserver) each say which loop they get.
FAMILY = textwrap.dedent(
    """\
    import asyncio
    import multiprocessing
    import sys


    def which(_):
        loop = asyncio.new_event_loop()
        try:
            return type(loop).__module__
        finally:
            loop.close()


    if __name__ == "__main__":
        print("parent", which(None))
        for method in sys.argv[1:]:
            with multiprocessing.get_context(method).Pool(2) as pool:
                for answer in pool.map(which, range(2)):
                    print(method, answer)
    """
)


def run(*args, env_value=None, cwd=None):
    env = dict(os.environ)
    env.pop("LOOP_POLICY_AUTO", None)
    if env_value is not None:
        env["LOOP_POLICY_AUTO"] = env_value
    out = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=100,
        env=env,
        cwd=cwd,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == "", out.stderr
    return out.stdout.split()


@needs_pth
def test_unset_or_not_1_leaves_asyncio_alone():
    assert run("-c", WHICH_LOOP) == ["asyncio.unix_events"]
    assert run("-c", WHICH_LOOP, env_value="0") == ["asyncio.unix_events"]


@needs_pth
def test_set_puts_a_plain_python_on_our_loop():
    assert run("-c", WHICH_LOOP, env_value="1") == ["loop_core._loop"]
    # asyncio.run(), too, under -W error (no warning from the activation).
    code = (
        "import asyncio\n"
        "async def main(): return type(asyncio.get_running_loop()).__module__\n"
        "print(asyncio.run(main()))"
    )
    assert run("-W", "error", "-c", code, env_value="1") == ["loop_core._loop"]


@needs_pth
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_multiprocessing_children_run_on_our_loop(tmp_path, method):
    (tmp_path / "family.py").write_text(FAMILY)
    out = run("family.py", method, env_value="1", cwd=tmp_path)
    assert out == ["parent", "loop_core._loop"] + [method, "loop_core._loop"] * 2


@needs_pth
def test_python_m_loop_policy_passes_it_to_children_unless_opted_out(tmp_path):
    (tmp_path / "family.py").write_text(FAMILY)
    out = run("-m", "loop_policy", "family.py", "spawn", cwd=tmp_path)
    assert out == ["parent", "loop_core._loop"] + ["spawn", "loop_core._loop"] * 2
    out = run("-m", "loop_policy", "family.py", "spawn", env_value="0", cwd=tmp_path)
    assert out == ["parent", "loop_core._loop"] + ["spawn", "asyncio.unix_events"] * 2
