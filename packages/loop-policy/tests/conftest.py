"""Shared fixtures: asyncio's global policy slot is restored after every
test that touches it, so no test leaks a policy (or a current loop) into
the next."""

import asyncio

import pytest


@pytest.fixture
def restore_policy():
    saved = asyncio.get_event_loop_policy()
    try:
        yield
    finally:
        current = asyncio.get_event_loop_policy()
        if current is not saved:
            # Drop the thread's current loop with the policy; closing
            # loops is the test's job (the fd check would catch a leak).
            try:
                current.set_event_loop(None)
            except Exception:
                pass
        asyncio.set_event_loop_policy(saved)
