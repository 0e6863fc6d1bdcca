"""Run CPython's installed test_asyncio against the loop under test.

One concept per module:

- ``suites``: which CPython test modules run, and how their loop-specific
  classes are re-targeted to the loop under test (the catalog).
- ``loops``: the loops a run can target (loop_core, asyncio as a baseline).
- ``adapt``: the patches that make CPython's tests use the loop under test.
- ``collect``: turning one catalog entry into a ``unittest`` suite.
- ``record``: the ``TestResult`` that streams one JSON line per test.
- ``worker``: the subprocess that runs one suite (``python -m harness.worker``).
- ``expected``: the known-failure and not-applicable lists (expected.toml).
- ``classify``: deciding what a raw outcome means (passed, needs loop-X, ...).
- ``orchestrate``: running workers with timeouts, resuming after a hang.
- ``results`` / ``report``: the per-Python JSON files and RESULTS.md.
"""
