"""Make docs/images/loop-observe-live.svg from the live view's real output.

    python docs/live_view.py        # needs loop-observe and loop-streams

Runs ``python -m loop_observe`` on a small server whose handler blocks on
every fifth request, on a pseudo-terminal so that the view refreshes as a
user sees it, takes the last frame before the exit summary, and draws it
as SVG text. Nothing is retouched but the temporary directory's path.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
import textwrap
from html import escape
from pathlib import Path

OUT = Path(__file__).resolve().parent / "images" / "loop-observe-live.svg"
CLEAR = "\x1b[H\x1b[2J"

APP = textwrap.dedent(
    """\
    import asyncio
    import time

    served = 0


    async def handle(reader, writer):
        global served
        while await reader.readline():
            served += 1
            if served % 5 == 0:
                time.sleep(0.12)  # a blocking call in the handler
            writer.write(b"ok\\n")
            await writer.drain()
        writer.close()


    async def client(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(40):
            writer.write(b"GET\\n")
            await reader.readline()
            await asyncio.sleep(0.02)
        writer.close()


    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            await asyncio.gather(*(client(port) for _ in range(4)))


    asyncio.run(main())
    """
)


def capture(directory: Path) -> str:
    """Everything the view wrote to its terminal."""
    (directory / "app.py").write_text(APP)
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "loop_observe"),
            *("--threshold=50", "--interval=0.25", "app.py"),
        ],
        cwd=directory,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                raise TimeoutError("the view wrote nothing for 30 s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        child.wait(30)
    output = b"".join(chunks).decode().replace("\r\n", "\n")
    if child.returncode:
        raise SystemExit(f"python -m loop_observe failed:\n{output}")
    return output


def last_frame(output: str, directory: Path) -> list[str]:
    frames = [f for f in output.split(CLEAR) if f.strip()]
    frame = frames[-1].split("python -m loop_observe summary:")[0]
    return frame.replace(f"{directory}{os.sep}", "").rstrip("\n").splitlines()


def svg(lines: list[str]) -> str:
    size, step = 13, 18
    width = 40 + int(max(map(len, lines)) * size * 0.61)
    height = 30 + step * len(lines)
    rows = [
        f'<text x="20" y="{28 + step * i}" xml:space="preserve">{escape(line)}</text>'
        for i, line in enumerate(lines)
    ]
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">',
            f'<rect width="{width}" height="{height}" rx="6" fill="#1e1e1e"/>',
            f'<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
            f'font-size="{size}" fill="#d4d4d4">',
            *rows,
            "</g>",
            "</svg>",
            "",
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        lines = last_frame(capture(directory), directory)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(svg(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
