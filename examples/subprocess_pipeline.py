"""A shell-style pipeline, ``seq 1 50000 | sort -rn | tail -3``, as three
children joined by OS pipes, plus one child fed through stdin with
communicate(): loop-subprocess reaps them without a thread or SIGCHLD."""

import asyncio
import os
import sys

import loop_policy
import loop_streams

PIPE = asyncio.subprocess.PIPE


async def pipeline():
    read_1, write_1 = os.pipe()
    read_2, write_2 = os.pipe()
    seq = await loop_streams.create_subprocess_exec("seq", "1", "50000", stdout=write_1)
    sort = await loop_streams.create_subprocess_exec(
        "sort", "-rn", stdin=read_1, stdout=write_2
    )
    tail = await loop_streams.create_subprocess_exec(
        "tail", "-3", stdin=read_2, stdout=PIPE
    )
    for fd in (read_1, write_1, read_2, write_2):
        os.close(fd)  # the children hold their own copies
    out = await tail.stdout.read()
    codes = [await p.wait() for p in (seq, sort, tail)]
    return out.decode().split(), codes


async def main():
    top, codes = await pipeline()
    print("seq 1 50000 | sort -rn | tail -3 ->", " ".join(top))
    code = "import sys; data = sys.stdin.buffer.read(); print(len(data), data[:5])"
    child = await loop_streams.create_subprocess_exec(
        sys.executable, "-c", code, stdin=PIPE, stdout=PIPE
    )
    out, _ = await child.communicate(b"x" * 1_000_000)
    print("a child read from stdin:", out.decode().strip())
    print("exit codes:", codes, "and", child.returncode)


if __name__ == "__main__":
    loop_policy.run(main())
