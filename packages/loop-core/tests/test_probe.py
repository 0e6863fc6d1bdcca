"""The probe hook: what the timed iteration records for an observer."""

import time

import loop_core
import pytest

pytestmark = pytest.mark.ours_only


def test_probe_counts_callbacks_time_and_timer_lag():
    loop = loop_core.new_event_loop()
    try:
        probe = loop_core.LoopProbe()
        assert loop_core.set_probe(loop, probe) is None
        assert loop_core.get_probe(loop) is probe
        seen = []

        def look():
            seen.append(probe.current)

        handle = loop.call_soon(look)
        loop.call_soon(lambda: None).cancel()
        loop.call_later(0.001, loop.stop)
        loop.run_forever()
        assert seen == [handle]
        assert probe.current is None
        assert probe.callbacks == 2  # look and stop; not the cancelled one
        assert probe.iterations >= 2
        assert probe.busy > 0 and probe.idle > 0
        assert len(probe.lags) == 1 and 0 <= probe.lags[0] < 10
        assert probe.slow == 0
        assert loop_core.set_probe(loop, None) is probe
        loop.call_soon(loop.stop)
        loop.run_forever()
        assert probe.callbacks == 2  # detached: no longer counted
    finally:
        loop.close()


def test_probe_counts_slow_callbacks_and_survives_errors():
    loop = loop_core.new_event_loop()
    try:
        loop.slow_callback_duration = 0.01
        loop.set_exception_handler(lambda loop, ctx: None)
        probe = loop_core.LoopProbe()
        loop_core.set_probe(loop, probe)

        def boom():
            raise ZeroDivisionError

        loop.call_soon(time.sleep, 0.02)
        loop.call_soon(boom)
        loop.call_soon(loop.stop)
        loop.run_forever()
        assert probe.slow == 1
        assert probe.callbacks == 3
        assert probe.current is None
    finally:
        loop.close()


def test_debug_mode_and_probe_select_the_timed_iteration_together():
    loop = loop_core.new_event_loop()
    try:
        loop.set_debug(False)
        assert not loop._timed
        loop_core.set_probe(loop, loop_core.LoopProbe())
        loop.set_debug(True)
        loop.set_debug(False)
        assert loop._timed  # the probe still wants it
        loop_core.set_probe(loop, None)
        assert not loop._timed
    finally:
        loop.close()


def test_queue_sizes():
    loop = loop_core.new_event_loop()
    try:
        assert loop_core.queue_sizes(loop) == (0, 0, 0)
        loop.call_soon(print)
        loop.call_later(10, print)
        loop.call_later(10, print).cancel()
        r, w = __import__("os").pipe()
        try:
            loop.add_reader(r, print)
            assert loop_core.queue_sizes(loop) == (1, 1, 1)
            loop.remove_reader(r)
        finally:
            __import__("os").close(r)
            __import__("os").close(w)
    finally:
        loop.close()
