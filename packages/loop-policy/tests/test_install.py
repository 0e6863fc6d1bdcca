"""install() makes our loop asyncio's default, uninstall() undoes it: through
the policy up to 3.13, through asyncio's new_event_loop from 3.14 (the
policy slot left alone). Each test restores asyncio in teardown (conftest)."""

import asyncio
import sys
import warnings

import loop_core
import loop_policy
import pytest

POLICY_ERA = sys.version_info < (3, 14)


async def loop_type():
    return type(asyncio.get_running_loop())


def made_loop_types():
    """The loop type of each way asyncio makes a loop without a factory."""
    types = [asyncio.run(loop_type())]
    with asyncio.Runner() as runner:
        types.append(runner.run(loop_type()))
    for make in (asyncio.new_event_loop, asyncio.events.new_event_loop):
        loop = make()
        types.append(type(loop))
        loop.close()
    return types


def test_install_makes_asyncio_make_our_loop():
    assert loop_core.EventLoop not in made_loop_types()
    loop_policy.install()
    assert made_loop_types() == [loop_core.EventLoop] * 4


def test_uninstall_gives_asyncio_its_loop_back():
    before = made_loop_types()
    loop_policy.install()
    loop_policy.uninstall()
    assert made_loop_types() == before
    assert loop_core.EventLoop not in before


@pytest.mark.skipif(not POLICY_ERA, reason="3.14+ installs no policy")
def test_up_to_313_install_sets_our_policy(asyncio_api):
    policy = loop_policy.install()
    assert type(policy) is loop_policy.EventLoopPolicy
    assert asyncio_api.get_event_loop_policy() is policy
    loop_policy.uninstall()
    assert type(asyncio_api.get_event_loop_policy()) is (
        asyncio_api.DefaultEventLoopPolicy
    )


@pytest.mark.skipif(POLICY_ERA, reason="up to 3.13 install() sets the policy")
def test_from_314_install_hooks_new_event_loop_and_leaves_the_policy(asyncio_api):
    original = asyncio.new_event_loop
    assert asyncio.events.new_event_loop is original
    policy = asyncio_api.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loop_policy.install() is None
    assert asyncio_api.get_event_loop_policy() is policy
    assert asyncio.new_event_loop is loop_policy.new_event_loop
    assert asyncio.events.new_event_loop is loop_policy.new_event_loop
    loop_policy.uninstall()
    assert asyncio.new_event_loop is original
    assert asyncio.events.new_event_loop is original
    assert asyncio_api.get_event_loop_policy() is policy


def test_install_is_idempotent_and_keeps_the_current_loop(loop):
    first = loop_policy.install()
    asyncio.set_event_loop(loop)
    assert loop_policy.install() is first
    assert asyncio.get_event_loop() is loop
    # One uninstall() undoes any number of install() calls.
    loop_policy.uninstall()
    assert loop_core.EventLoop not in made_loop_types()


def test_uninstall_without_install_changes_nothing(asyncio_api):
    policy = asyncio_api.get_event_loop_policy()
    functions = (asyncio.new_event_loop, asyncio.events.new_event_loop)
    loop_policy.uninstall()
    assert asyncio_api.get_event_loop_policy() is policy
    assert (asyncio.new_event_loop, asyncio.events.new_event_loop) == functions


def test_install_keeps_a_subclass_and_its_loops(asyncio_api):
    class Marked(loop_core.EventLoop):
        pass

    class Mine(loop_policy.EventLoopPolicy):
        def new_event_loop(self):
            return Marked(poller="selectors")

    mine = Mine()
    asyncio_api.set_event_loop_policy(mine)
    installed = loop_policy.install()
    assert installed is (mine if POLICY_ERA else None)
    assert asyncio_api.get_event_loop_policy() is mine
    assert asyncio.run(loop_type()) is Marked


@pytest.mark.skipif(not POLICY_ERA, reason="3.14+ installs no policy")
def test_install_replaces_asyncios_default(asyncio_api):
    asyncio_api.set_event_loop_policy(None)
    default = asyncio_api.get_event_loop_policy()
    assert loop_policy.install() is not default
    loop_policy.set_event_loop_policy(None)
    assert type(asyncio_api.get_event_loop_policy()) is (
        asyncio_api.DefaultEventLoopPolicy
    )


@pytest.mark.skipif(POLICY_ERA, reason="the hook is the 3.14+ mechanism")
def test_uninstall_leaves_a_later_replacement_alone():
    original = asyncio.events.new_event_loop
    loop_policy.install()

    def someone_elses():
        return loop_core.new_event_loop()

    asyncio.new_event_loop = someone_elses
    loop_policy.uninstall()
    assert asyncio.new_event_loop is someone_elses
    assert asyncio.events.new_event_loop is original


@pytest.mark.parametrize("installed", [False, True], ids=["asyncio", "ours"])
def test_get_event_loop_without_a_current_loop_is_the_pythons(installed, asyncio_api):
    """install() changes the loop type only: whether get_event_loop() makes
    a loop is the running Python's rule (made, with a warning on 3.12 and
    3.13; RuntimeError from 3.14)."""
    # A fresh default policy: no set_event_loop() call seen in this thread.
    asyncio_api.set_event_loop_policy(None)
    if installed:
        loop_policy.install()
    if not POLICY_ERA:
        with pytest.raises(RuntimeError, match="no current event loop"):
            asyncio.get_event_loop()
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = asyncio.get_event_loop()
    try:
        assert (type(loop) is loop_core.EventLoop) is installed
        assert len(caught) == (1 if sys.version_info >= (3, 12) else 0)
        assert asyncio.get_event_loop() is loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()
