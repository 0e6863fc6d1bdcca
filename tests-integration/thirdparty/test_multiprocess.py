"""Programs whose work runs in child Python processes, on our loop in every
process: ``uvicorn --workers 2`` choosing our loop by name, and a Dask
distributed cluster (a scheduler and two nanny-managed worker processes)
run with ``python -m loop_policy``, whose LOOP_POLICY_AUTO reaches the
children. Each also runs on asyncio's loop, the baseline."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)

OURS = "loop_core._loop"
ASYNCIO = "asyncio.unix_events"

APP = textwrap.dedent(
    """\
    import asyncio
    import json
    import os


    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = json.dumps(
            {
                "pid": os.getpid(),
                "loop": type(asyncio.get_running_loop()).__module__,
            }
        ).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
    """
)


def child_env(auto: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LOOP_POLICY_AUTO", None)
    if auto is not None:
        env["LOOP_POLICY_AUTO"] = auto
    return env


@pytest.mark.parametrize(
    ("loop", "expected"),
    [("loop_core:new_event_loop", OURS), ("asyncio", ASYNCIO)],
    ids=["ours", "asyncio"],
)
def test_uvicorn_workers_each_run_on_the_chosen_loop(
    tmp_path: Path, loop: str, expected: str
) -> None:
    pytest.importorskip("uvicorn")
    (tmp_path / "pidapp.py").write_text(APP)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "pidapp:app",
            "--workers",
            "2",
            "--fd",
            str(listener.fileno()),
            "--loop",
            loop,
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        pass_fds=[listener.fileno()],
        env=child_env(None),
    )
    listener.close()
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while len(seen) < 2:
            assert time.monotonic() < deadline, f"saw workers {seen}"
            assert server.poll() is None, "uvicorn exited"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/", headers={"Connection": "close"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    answer = json.load(response)
            except OSError:
                time.sleep(0.05)  # workers still starting: nothing to await
                continue
            seen[answer["pid"]] = answer["loop"]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.pid not in seen
    assert sorted(seen.values()) == [expected, expected]


DASK = textwrap.dedent(
    """\
    import asyncio
    import multiprocessing

    import numpy as np
    import dask.array as da
    from distributed import Client, LocalCluster


    async def loop_module():
        return type(asyncio.get_running_loop()).__module__


    def main():
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None,
        ) as cluster, Client(cluster) as client:
            data = np.arange(400 * 300, dtype="float64").reshape(400, 300)
            x = da.from_array(data, chunks=(100, 100))
            got = (x.T @ x).sum(axis=0).compute()
            assert np.allclose(got, (data.T @ data).sum(axis=0))
            workers = client.run(loop_module)
            assert len(workers) == 2, workers
            for where, module in sorted(workers.items()):
                print("worker", module)
            print("scheduler", client.run_on_scheduler(loop_module))


    if __name__ == "__main__":
        main()
    """
)


@pytest.mark.parametrize("loop", ["ours", "asyncio"])
def test_dask_cluster_runs_every_process_on_the_chosen_loop(
    tmp_path: Path, loop: str
) -> None:
    for module in ("numpy", "dask.array", "distributed"):
        pytest.importorskip(module)
    (tmp_path / "cluster.py").write_text(DASK)
    runner = ["-m", "loop_policy"] if loop == "ours" else []
    out = subprocess.run(
        [sys.executable, *runner, "cluster.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=170,
        env=child_env(None),
    )
    assert out.returncode == 0, out.stderr[-4000:]
    expected = OURS if loop == "ours" else ASYNCIO
    assert out.stdout.split() == [
        "worker",
        expected,
        "worker",
        expected,
        "scheduler",
        expected,
    ], out.stdout
