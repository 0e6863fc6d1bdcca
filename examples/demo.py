"""The demo: asyncio programs on our loop, then a quick timing against
asyncio's loop (and uvloop when installed).

Run it with ``nox -s demo``, or ``python examples/demo.py`` where loop-core
is installed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
# (title, command line after the interpreter)
EXAMPLES = [
    (
        "An unchanged asyncio script, run with python -m loop_policy",
        ["-m", "loop_policy", str(HERE / "unchanged_script.py"), "--flag", "arg"],
    ),
    ("Hello World with call_soon()", [str(HERE / "hello_callback.py")]),
    ("The current date with call_later()", [str(HERE / "current_date.py")]),
    (
        "SIGINT/SIGTERM handlers, with a signal sent to itself",
        [str(HERE / "signals.py")],
    ),
    ("An echo server and client on sock_* coroutines", [str(HERE / "sock_echo.py")]),
    ("A TCP echo server, ten clients (loop-transports)", [str(HERE / "tcp_echo.py")]),
    ("An HTTP server and 20 clients (loop-streams)", [str(HERE / "http_server.py")]),
    (
        "A subprocess pipeline (loop-subprocess, loop-streams)",
        [str(HERE / "subprocess_pipeline.py")],
    ),
]


# One benchmark per layer keeps the demo short; nox -s bench runs them all.
DEMO_BENCH = ",".join(
    [
        "call_soon_chain",
        "timers_spread",
        "sock_echo_tcp",
        "transport_echo_tcp",
        "tls_pingpong",
        "streams_echo",
        "subprocess_spawn",
    ]
)


NEXT = """
What to try next:
  python -m loop_policy your_script.py   run your own asyncio program on our loop
  python -m loop_core                    what is installed, and which loop methods
  python3 -m nox -s bench                every benchmark, 9 rounds, against the targets
  python3 -m nox -s thirdparty           aiohttp, websockets and uvicorn on our loop
"""


def banner(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 68 - len(text)), flush=True)


def main() -> int:
    # --no-bench: the programs only (nox -s demo_pythons, on every Python).
    run_bench = "--no-bench" not in sys.argv[1:]
    failures = 0
    for title, args in EXAMPLES:
        banner(title)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, *args], timeout=60)
        took = time.perf_counter() - start
        status = "ok" if result.returncode == 0 else f"FAILED ({result.returncode})"
        shown = " ".join(Path(a).name if a.startswith("/") else a for a in args)
        print(f"-- python {shown}: {status} in {took:.2f} s", flush=True)
        failures += result.returncode != 0
    if run_bench:
        banner("Our loop vs asyncio (quick run; ratios from the same run)")
        bench = HERE.parent / "benchmarks" / "run.py"
        result = subprocess.run(
            [sys.executable, str(bench), "--quick", "--no-write", "--only", DEMO_BENCH],
            timeout=600,
        )
        failures += result.returncode != 0
    print("\nDemo", "finished." if not failures else f"had {failures} failure(s).")
    print(NEXT)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
