"""uvicorn choosing our loop by itself: ``Config(loop="module:factory")``
with its own runner, and the command lines a user types."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from loop_core.testing import count_open_fds, gc_collect
from thirdparty.asgi_app import app
from thirdparty.support import MIB, pattern

uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("loop_core:new_event_loop", "loop_core._loop.EventLoop"),
        ("asyncio", None),
    ],
    ids=["loop_core", "asyncio"],
)
def test_config_loop_picks_our_factory(spec: str, expected: str | None) -> None:
    """uvicorn 0.36+ takes ``loop="module:callable"`` and calls it as the
    loop factory of its ``asyncio.run``; the server runs in a thread here
    the way ``uvicorn.run()`` runs in a process's main thread."""
    handler_calls: list[dict[str, Any]] = []

    async def watched(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # The loop is uvicorn's to make: watch its exception handler
            # from inside it, as the loop fixture does for the other tests.
            asyncio.get_running_loop().set_exception_handler(
                lambda _loop, context: handler_calls.append(context)
            )
        await app(scope, receive, send)

    config = uvicorn.Config(
        watched,
        host="127.0.0.1",
        port=0,
        loop=spec,
        log_config=None,
        log_level="warning",
    )
    if spec.startswith("loop_core"):
        import loop_core

        assert config.get_loop_factory() is loop_core.new_event_loop
    server = uvicorn.Server(config)
    fds_before = count_open_fds()
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and thread.is_alive():
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client() as client:
            got = client.get(f"http://127.0.0.1:{port}/x").json()
            body = pattern(MIB, seed=7)
            posted = client.post(f"http://127.0.0.1:{port}/y", content=body).json()
    finally:
        server.should_exit = True
        thread.join(20)
    assert not thread.is_alive()
    gc_collect()
    assert count_open_fds() == fds_before
    if expected is None:
        assert not got["loop"].startswith("loop_core")
    else:
        assert got["loop"] == expected
    assert posted["sha256"] == hashlib.sha256(body).hexdigest()
    assert handler_calls == []


CLI_APP = """
import asyncio


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    loop = asyncio.get_running_loop()
    name = f"{type(loop).__module__}.{type(loop).__qualname__}"
    await send({"type": "http.response.start", "status": 200})
    await send({"type": "http.response.body", "body": name.encode()})
"""


@pytest.mark.parametrize(
    "how",
    ["loop-option", "loop_policy", "asyncio"],
)
def test_uvicorn_command_line(how: str, tmp_path: Path) -> None:
    """The ways a user puts uvicorn on our loop from the command line:
    ``--loop loop_core:new_event_loop``, or ``python -m loop_policy -m
    uvicorn --loop none`` (asyncio.run under our policy); plain
    ``--loop asyncio`` is the comparison run."""
    if how == "loop-option":
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--loop",
            "loop_core:new_event_loop",
        ]
    elif how == "loop_policy":
        loop_policy = pytest.importorskip("loop_policy")
        if not (Path(loop_policy.__file__).parent / "__main__.py").exists():
            pytest.skip("loop_policy has no __main__ yet")
        command = [
            sys.executable,
            "-m",
            "loop_policy",
            "-m",
            "uvicorn",
            "--loop",
            "none",
        ]
    else:
        command = [sys.executable, "-m", "uvicorn", "--loop", "asyncio"]
    (tmp_path / "cliapp.py").write_text(CLI_APP)
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("PYTHONASYNCIODEBUG", None)
    server = subprocess.Popen(
        [*command, "cliapp:app", "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[str] = []
    try:
        assert server.stderr is not None
        for line in server.stderr:
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            pytest.fail("uvicorn did not start:\n" + "".join(lines))
        port = int(lines[-1].split("http://127.0.0.1:")[1].split()[0])
        with httpx.Client() as client:
            names = {client.get(f"http://127.0.0.1:{port}/").text for _ in range(5)}
        server.send_signal(signal.SIGINT)
        rest = server.communicate(timeout=30)[1]
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    log = "".join(lines) + rest
    assert server.returncode == 0, log
    assert "Traceback" not in log
    assert "ERROR" not in log
    assert "Finished server process" in log
    assert len(names) == 1
    (name,) = names
    assert name.startswith("loop_core") == (how != "asyncio"), name
