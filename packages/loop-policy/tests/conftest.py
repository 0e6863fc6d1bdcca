"""Shared fixtures.

Every test leaves asyncio as it found it: its policy slot (and the current
loop held there) and its ``new_event_loop`` functions, which ``install()``
replaces from Python 3.14.

``asyncio_api`` reaches asyncio's policy functions and classes without the
DeprecationWarning that 3.14 attaches to their public names: the tests
compare behaviour, and a warning of asyncio's would fail them (warnings are
errors) on the asyncio side only. Tests of the warnings themselves use the
public names.
"""

import asyncio
import sys
import types
import warnings

import loop_policy
import pytest

# 3.14 deprecated the policy system and made get_event_loop() strict.
POLICY_ERA = sys.version_info < (3, 14)


def _quietly(name):
    """asyncio.<name>, with 3.14's deprecation warning for it silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(asyncio, name)


def _asyncio_api():
    events = asyncio.events
    if POLICY_ERA:
        get, put = events.get_event_loop_policy, events.set_event_loop_policy
    else:
        get, put = events._get_event_loop_policy, events._set_event_loop_policy
    return types.SimpleNamespace(
        __name__="asyncio",
        get_event_loop_policy=get,
        set_event_loop_policy=put,
        AbstractEventLoopPolicy=_quietly("AbstractEventLoopPolicy"),
        DefaultEventLoopPolicy=_quietly("DefaultEventLoopPolicy"),
    )


ASYNCIO_API = _asyncio_api()


@pytest.fixture
def asyncio_api():
    return ASYNCIO_API


@pytest.fixture(autouse=True)
def restore_policy():
    saved = ASYNCIO_API.get_event_loop_policy()
    saved_new = (asyncio.events.new_event_loop, asyncio.new_event_loop)
    try:
        yield
    finally:
        loop_policy.uninstall()
        asyncio.events.new_event_loop, asyncio.new_event_loop = saved_new
        current = ASYNCIO_API.get_event_loop_policy()
        if current is not saved:
            # Drop the thread's current loop with the policy; closing
            # loops is the test's job (the fd check would catch a leak).
            try:
                current.set_event_loop(None)
            except Exception:
                pass
        ASYNCIO_API.set_event_loop_policy(saved)
