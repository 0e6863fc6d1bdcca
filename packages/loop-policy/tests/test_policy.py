"""EventLoopPolicy against asyncio's DefaultEventLoopPolicy: every test body
runs on both policies and must pass on both (a test failing on asyncio's
is a wrong test), so ours behaves as asyncio's does, per Python version:
the main thread's implicit loop up to 3.13 (warning from 3.12), none from
3.14; child watchers up to 3.13 only."""

import asyncio
import sys
import threading
import warnings

import loop_core
import loop_policy
import pytest

WARNS = sys.version_info >= (3, 12)
# 3.14 dropped the implicit loop and child watchers with the policy system.
POLICY_ERA = sys.version_info < (3, 14)
only_before_314 = pytest.mark.skipif(not POLICY_ERA, reason="gone in Python 3.14")
only_from_314 = pytest.mark.skipif(POLICY_ERA, reason="Python 3.14 behaviour")


@pytest.fixture(params=["asyncio", "loop_policy"])
def policy(request, asyncio_api):
    if request.param == "asyncio":
        policy = asyncio_api.DefaultEventLoopPolicy()
    else:
        policy = loop_policy.EventLoopPolicy()
    made = []
    real_new = policy.new_event_loop

    def tracked_new():
        loop = real_new()
        made.append(loop)
        return loop

    policy.new_event_loop = tracked_new
    policy.kind = request.param
    yield policy
    for loop in made:
        loop.close()


def implicit_loop(policy):
    """get_event_loop() with no loop set in the main thread: the loop is
    made, with asyncio's DeprecationWarning from 3.12 on, attributed to
    this file."""
    if not WARNS:
        return policy.get_event_loop()
    with pytest.warns(DeprecationWarning, match="There is no current event loop") as w:
        loop = policy.get_event_loop()
    assert len(w) == 1
    assert w[0].filename == __file__
    return loop


def check_loop_kind(policy, loop):
    if policy.kind == "loop_policy":
        assert type(loop) is loop_core.EventLoop
    else:
        assert not isinstance(loop, loop_core.EventLoop)


@only_before_314
def test_main_thread_loop_made_once(policy):
    loop = implicit_loop(policy)
    check_loop_kind(policy, loop)
    # Later calls return the same loop, without warning.
    assert policy.get_event_loop() is loop
    assert policy.get_event_loop() is loop


@only_from_314
def test_main_thread_gets_no_implicit_loop(policy):
    with pytest.raises(RuntimeError) as info:
        policy.get_event_loop()
    assert str(info.value) == "There is no current event loop in thread 'MainThread'."
    # Nothing was made on the way.
    with pytest.raises(RuntimeError):
        policy.get_event_loop()


@only_before_314
def test_implicit_loop_goes_through_set_event_loop(policy):
    calls = []
    real_set = policy.set_event_loop

    def recording_set(loop):
        calls.append(loop)
        real_set(loop)

    policy.set_event_loop = recording_set
    loop = implicit_loop(policy)
    assert calls == [loop]


@only_before_314
def test_warning_as_error_makes_no_loop(policy):
    if not WARNS:
        pytest.skip("Python 3.11 creates the loop without a warning")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning):
            policy.get_event_loop()
    # Nothing was made or set: the next call warns again.
    implicit_loop(policy)


def test_set_then_get(policy):
    loop = policy.new_event_loop()
    policy.set_event_loop(loop)
    assert policy.get_event_loop() is loop
    # A closed current loop stays current: nothing new is made.
    loop.close()
    assert policy.get_event_loop() is loop


def test_new_event_loop_is_not_made_current(policy):
    current = policy.new_event_loop()
    policy.set_event_loop(current)
    other = policy.new_event_loop()
    check_loop_kind(policy, other)
    assert other is not current
    assert policy.get_event_loop() is current


def test_set_none_turns_off_the_implicit_loop(policy):
    policy.set_event_loop(None)
    with pytest.raises(RuntimeError) as info:
        policy.get_event_loop()
    assert str(info.value) == "There is no current event loop in thread 'MainThread'."


def test_set_none_after_a_loop(policy):
    loop = policy.new_event_loop()
    policy.set_event_loop(loop)
    policy.set_event_loop(None)
    with pytest.raises(RuntimeError, match="no current event loop"):
        policy.get_event_loop()


def test_set_event_loop_rejects_a_non_loop(policy):
    with pytest.raises(TypeError) as info:
        policy.set_event_loop(object())
    assert str(info.value) == (
        "loop must be an instance of AbstractEventLoop or None, not 'object'"
    )
    # asyncio counts the rejected call as a set_event_loop(): no implicit
    # loop afterwards, and nothing current.
    with pytest.raises(RuntimeError):
        policy.get_event_loop()


def run_in_thread(fn, name="worker"):
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, name=name)
    thread.start()
    thread.join()
    return result


def test_other_threads_get_no_implicit_loop(policy):
    result = run_in_thread(policy.get_event_loop)
    assert isinstance(result["error"], RuntimeError)
    assert str(result["error"]) == "There is no current event loop in thread 'worker'."


def test_each_thread_has_its_own_loop(policy):
    main_loop = policy.new_event_loop()
    policy.set_event_loop(main_loop)
    thread_loop = policy.new_event_loop()

    def in_thread():
        policy.set_event_loop(thread_loop)
        return policy.get_event_loop()

    assert run_in_thread(in_thread)["value"] is thread_loop
    assert policy.get_event_loop() is main_loop
    # The thread's choice did not leak into a new thread.
    assert isinstance(run_in_thread(policy.get_event_loop)["error"], RuntimeError)


def test_running_loop_wins_over_the_current_one(policy, asyncio_api):
    asyncio_api.set_event_loop_policy(policy)
    current = policy.new_event_loop()
    policy.set_event_loop(current)
    running = policy.new_event_loop()

    async def probe():
        return asyncio.get_event_loop(), loop_policy.get_event_loop()

    assert running.run_until_complete(probe()) == (running, running)
    assert asyncio.get_event_loop() is current


def test_asyncio_get_event_loop_without_a_current_loop(policy, asyncio_api):
    """Made, with a warning pointing at the caller (3.12, 3.13) or silently
    (3.11); RuntimeError from 3.14."""
    asyncio_api.set_event_loop_policy(policy)
    if not POLICY_ERA:
        with pytest.raises(RuntimeError, match="no current event loop"):
            asyncio.get_event_loop()
        return
    if not WARNS:
        loop = asyncio.get_event_loop()
    else:
        with pytest.warns(DeprecationWarning, match="no current event loop") as w:
            loop = asyncio.get_event_loop()
        assert w[0].filename == __file__
    check_loop_kind(policy, loop)
    assert asyncio.get_event_loop() is loop


def test_is_an_abstract_event_loop_policy(asyncio_api):
    policy = loop_policy.EventLoopPolicy()
    assert isinstance(policy, asyncio_api.AbstractEventLoopPolicy)


@only_from_314
def test_subclassing_our_policy_does_not_warn():
    # 3.14 warns on asyncio.AbstractEventLoopPolicy; ours is found another
    # way, so defining and using a subclass is silent (warnings are errors).
    class Mine(loop_policy.EventLoopPolicy):
        pass

    loop = Mine().new_event_loop()
    loop.close()
    assert type(loop) is loop_core.EventLoop


def watcher_call(method, *args):
    """A child-watcher method: DeprecationWarning from 3.12 on, pointing
    at the caller, as asyncio's policy gives."""
    if not WARNS:
        return method(*args)
    with pytest.warns(DeprecationWarning, match="deprecated as of Python 3.12") as w:
        result = method(*args)
    assert w[0].filename == __file__
    return result


@only_before_314
def test_child_watcher_round_trip(policy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        first = asyncio.ThreadedChildWatcher()
        second = asyncio.ThreadedChildWatcher()
    watcher_call(policy.set_child_watcher, first)
    assert watcher_call(policy.get_child_watcher) is first
    watcher_call(policy.set_child_watcher, second)
    assert watcher_call(policy.get_child_watcher) is second
    watcher_call(policy.set_child_watcher, None)


@only_before_314
def test_no_child_watcher_unless_set():
    policy = loop_policy.EventLoopPolicy()
    with pytest.raises(NotImplementedError, match="reaps child processes"):
        watcher_call(policy.get_child_watcher)
    with pytest.raises(TypeError):
        watcher_call(policy.set_child_watcher, object())


@only_from_314
def test_no_child_watcher_methods(policy):
    assert not hasattr(asyncio, "ThreadedChildWatcher")
    assert not hasattr(policy, "get_child_watcher")
    assert not hasattr(policy, "set_child_watcher")


def test_private_state_names_match_asyncios(policy):
    # Code (CPython's tests among it) peeks at policy._local._loop.
    assert policy._local._loop is None
    loop = policy.new_event_loop()
    policy.set_event_loop(loop)
    assert policy._local._loop is loop
