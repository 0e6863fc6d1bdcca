"""Child Pythons of uvloop's tests build their loop on the loop under test.

Only on ``PYTHONPATH`` of a uvloop-catalog worker's children (see
harness/uvloop_suites.py): test_signals starts ``python -c`` programs that
call ``asyncio.new_event_loop()`` and send them SIGINT, which tests the
loop's signal handling in that child. Without this, those children would
run asyncio's loop whatever the loop under test is.
"""

import os

if os.environ.get("CONFORMANCE_UVLOOP_CHILD_LOOP") == "loop_core":
    from harness import adapt, guard, loops

    adapt._patch_policy(loops.factory("loop_core"))
    guard.forbid_asyncio_loops()
