"""``python -m loop_policy`` running an unchanged aiohttp server script
(``web.run_app``, which makes its own loop through asyncio's policy and
handles SIGINT), hit by a client process; the same two scripts run under
plain ``python`` are the asyncio comparison."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")

pytestmark = pytest.mark.timeout(60)

SERVER = textwrap.dedent(
    """
    import asyncio
    import socket

    from aiohttp import web


    def loop_name():
        loop = asyncio.get_running_loop()
        return f"{type(loop).__module__}.{type(loop).__qualname__}"


    async def info(request):
        return web.json_response({"loop": loop_name()})


    async def echo(request):
        return web.Response(body=await request.read())


    async def announce(app):
        print(loop_name(), flush=True)


    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.add_routes([web.get("/info", info), web.post("/echo", echo)])
    app.on_startup.append(announce)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None)
    """
)

CLIENT = textwrap.dedent(
    """
    import asyncio
    import hashlib
    import json
    import sys

    import aiohttp


    async def main(port):
        base = f"http://127.0.0.1:{port}"
        body = bytes(range(256)) * 4096
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/info") as r:
                info = await r.json()
            async def one(i):
                async with session.post(f"{base}/echo", data=body[i:]) as r:
                    return hashlib.sha256(await r.read()).hexdigest()
            digests = await asyncio.gather(*(one(i) for i in range(20)))
        ok = digests == [hashlib.sha256(body[i:]).hexdigest() for i in range(20)]
        loop = asyncio.get_running_loop()
        print(json.dumps({
            "server_loop": info["loop"],
            "client_loop": f"{type(loop).__module__}.{type(loop).__qualname__}",
            "echo_ok": ok,
        }))


    asyncio.run(main(int(sys.argv[1])))
    """
)


def runner_prefix(kind: str) -> list[str]:
    if kind == "asyncio":
        return [sys.executable]
    loop_policy = pytest.importorskip("loop_policy")
    if not (Path(loop_policy.__file__).parent / "__main__.py").exists():
        pytest.skip("loop_policy has no __main__ yet")
    return [sys.executable, "-m", "loop_policy"]


@pytest.mark.parametrize("kind", ["loop_core", "asyncio"])
def test_unchanged_aiohttp_script(kind: str, tmp_path: Path) -> None:
    prefix = runner_prefix(kind)
    (tmp_path / "server.py").write_text(SERVER)
    (tmp_path / "client.py").write_text(CLIENT)
    # Debug mode would make run_app log every request to stderr, which
    # must otherwise stay empty.
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("PYTHONASYNCIODEBUG", None)
    server = subprocess.Popen(
        [*prefix, str(tmp_path / "server.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        server_loop = server.stdout.readline().strip()
        client = subprocess.run(
            [*prefix, str(tmp_path / "client.py"), str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        assert client.returncode == 0, client.stderr
        assert client.stderr == ""
        result = json.loads(client.stdout)
        # run_app stops gracefully on SIGINT (its own loop signal handler).
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert err == ""
    assert result["echo_ok"] is True
    assert result["server_loop"] == server_loop
    for name in (server_loop, result["client_loop"]):
        assert name.startswith("loop_core") == (kind == "loop_core"), name
