"""Where a loop spends its time on one benchmark: cProfile, one sample.

    python benchmarks/profile_loop.py call_soon_chain
    python benchmarks/profile_loop.py sock_echo_tcp --loop asyncio --top 30
    python benchmarks/profile_loop.py timers --sort cumulative

Why a separate script: ``run.py`` measures without a profiler in the way;
this one answers the next question, which functions of the loop under test
to make faster. It runs each selected benchmark once on a fresh loop under
cProfile and prints the top entries by own time (``--sort tottime``), keeping
only the loop's own code and the builtins it calls unless ``--all``. The
rates it prints are slowed down by the profiler: compare them with nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys

import suite

# Path fragments of the loop implementation to keep in the listing.
LOOP_CODE = {
    "ours": ("loop_core", "{"),
    "asyncio": ("asyncio", "selectors", "{"),
    "uvloop": ("uvloop", "{"),
}


def profile(bench: suite.Benchmark, loop_name: str, quick: bool) -> cProfile.Profile:
    factories, missing = suite.loop_factories()
    if loop_name not in factories:
        raise SystemExit(f"profile_loop.py: {missing.get(loop_name, loop_name)}")
    loop = factories[loop_name]()
    size = bench.quick_size if quick else bench.size
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        operations, seconds = bench.function(loop, size)
        profiler.disable()
    finally:
        loop.close()
    print(
        f"## {bench.name} on {loop_name}: {operations:,} {bench.unit} "
        f"in {seconds:.3f} s under the profiler"
    )
    return profiler


def listing(
    profiler: cProfile.Profile, keep: tuple[str, ...], sort: str, top: int
) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort)
    if keep:
        # A regular expression alternation over the path fragments.
        pattern = "|".join(fragment.replace("{", r"\{") for fragment in keep)
        stats.print_stats(pattern, top)
    else:
        stats.print_stats(top)
    text = out.getvalue()
    # Drop pstats' preamble (call totals, "Ordered by", filter lines).
    start = text.find("   ncalls")
    return text[start:] if start >= 0 else text


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/profile_loop.py")
    parser.add_argument("only", nargs="*", help="benchmark names or prefixes")
    parser.add_argument("--loop", default="ours", choices=list(LOOP_CODE))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--all", action="store_true", help="do not filter entries")
    args = parser.parse_args(argv)
    try:
        benchmarks = suite.select(args.only)
    except ValueError as exc:
        print(f"profile_loop.py: {exc}", file=sys.stderr)
        return 2
    keep = () if args.all else LOOP_CODE[args.loop]
    for bench in benchmarks:
        profiler = profile(bench, args.loop, args.quick)
        print(listing(profiler, keep, args.sort, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
