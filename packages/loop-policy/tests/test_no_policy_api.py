"""On a Python whose asyncio has no policy system (3.16 removes it),
loop_policy still imports, and install(), uninstall(), run(),
new_event_loop() and ``python -m loop_policy`` work; the policy functions
raise a RuntimeError that says what to use instead.

Such an asyncio is simulated on the running Python, in a fresh interpreter
(loop_policy picks its policy base class at import): a sitecustomize module
removes every policy name and gives asyncio the policy-free current-loop
functions 3.16 has. Warnings are errors there too."""

import os
import subprocess
import sys
import textwrap

NO_POLICY_ASYNCIO = '''
"""asyncio without its policy system, as in Python 3.16: no policy names
at all, the current loop kept in a thread-local, new_event_loop() making
asyncio's own loop."""
import asyncio
import asyncio.events as events
import threading

POLICY_NAMES = [
    "AbstractEventLoopPolicy",
    "_AbstractEventLoopPolicy",
    "BaseDefaultEventLoopPolicy",
    "_BaseDefaultEventLoopPolicy",
    "DefaultEventLoopPolicy",
    "_DefaultEventLoopPolicy",
    "get_event_loop_policy",
    "set_event_loop_policy",
    "_get_event_loop_policy",
    "_set_event_loop_policy",
    "_init_event_loop_policy",
    "AbstractChildWatcher",
    "ThreadedChildWatcher",
]
for module in (asyncio, events):
    for name in POLICY_NAMES:
        module.__dict__.pop(name, None)
# 3.14 and 3.15 serve the deprecated policy names from a module __getattr__.
asyncio.__dict__.pop("__getattr__", None)


class _Current(threading.local):
    loop = None


_current = _Current()


def get_event_loop():
    running = events._get_running_loop()
    if running is not None:
        return running
    if _current.loop is None:
        raise RuntimeError("There is no current event loop")
    return _current.loop


def set_event_loop(loop):
    _current.loop = loop


def new_event_loop():
    return asyncio.SelectorEventLoop()


for module in (asyncio, events):
    module.get_event_loop = get_event_loop
    module.set_event_loop = set_event_loop
    module.new_event_loop = new_event_loop
'''

CHECKS = """
import asyncio

import loop_core
import loop_policy

# The simulation is in force.
assert not hasattr(asyncio, "get_event_loop_policy")
assert not hasattr(asyncio.events, "_get_event_loop_policy")
assert not hasattr(asyncio.events, "_AbstractEventLoopPolicy")


async def main():
    loop = asyncio.get_running_loop()
    return "ours" if type(loop) is loop_core.EventLoop else "asyncio's"


def kind(loop):
    loop.close()
    return "ours" if type(loop) is loop_core.EventLoop else "asyncio's"


print("run:", loop_policy.run(main()))
print("asyncio.run:", asyncio.run(main()))
print("loop_policy.new_event_loop:", kind(loop_policy.new_event_loop()))
print("install:", loop_policy.install())
print("asyncio.run:", asyncio.run(main()))
with asyncio.Runner() as runner:
    print("asyncio.Runner:", runner.run(main()))
print("asyncio.new_event_loop:", kind(asyncio.new_event_loop()))
loop = loop_policy.new_event_loop()
loop_policy.set_event_loop(loop)
print("current:", loop_policy.get_event_loop() is loop is asyncio.get_event_loop())
loop_policy.set_event_loop(None)
loop.close()
for call in (
    loop_policy.get_event_loop_policy,
    lambda: loop_policy.set_event_loop_policy(None),
):
    try:
        call()
    except RuntimeError as exc:
        print("policy function:", "removed in Python 3.16" in str(exc))
print("policy class stands alone:", loop_policy.EventLoopPolicy.__bases__ == (object,))
print("its loop:", kind(loop_policy.EventLoopPolicy().new_event_loop()))
loop_policy.uninstall()
print("after uninstall:", asyncio.run(main()))
"""

APP = """\
import asyncio

async def main():
    return type(asyncio.get_running_loop()).__name__

print(hasattr(asyncio, "get_event_loop_policy"))
print(asyncio.run(main()))
with asyncio.Runner() as runner:
    print(runner.run(main()))
"""


def run_without_policies(tmp_path, *args):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(NO_POLICY_ASYNCIO))
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(site), *filter(None, [env.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_library_without_a_policy_system(tmp_path):
    (tmp_path / "checks.py").write_text(CHECKS)
    out = run_without_policies(tmp_path, "checks.py")
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "run: ours",
        "asyncio.run: asyncio's",
        "loop_policy.new_event_loop: ours",
        "install: None",
        "asyncio.run: ours",
        "asyncio.Runner: ours",
        "asyncio.new_event_loop: ours",
        "current: True",
        "policy function: True",
        "policy function: True",
        "policy class stands alone: True",
        "its loop: ours",
        "after uninstall: asyncio's",
    ]


def test_runner_without_a_policy_system(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    out = run_without_policies(tmp_path, "-m", "loop_policy", "app.py")
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines() == ["False", "EventLoop", "EventLoop"]
