"""The module-level functions act on asyncio's own policy slot, on every
Python, without the warnings 3.14 gives asyncio's public policy functions.
Each test restores asyncio's policy in teardown (conftest)."""

import asyncio
import inspect
import sys
import warnings

import loop_core
import loop_policy
import pytest
from loop_core import extensions

MODULES = pytest.mark.parametrize("which", ["asyncio", "ours"])


def module_for(which, asyncio_api):
    return asyncio_api if which == "asyncio" else loop_policy


def test_get_event_loop_policy_is_asyncios_slot(asyncio_api):
    slot = asyncio_api.get_event_loop_policy
    assert loop_policy.get_event_loop_policy() is slot()
    ours = loop_policy.EventLoopPolicy()
    loop_policy.set_event_loop_policy(ours)
    assert slot() is ours
    assert loop_policy.get_event_loop_policy() is ours


@MODULES
def test_set_none_restores_asyncios_default(which, asyncio_api):
    module = module_for(which, asyncio_api)
    module.set_event_loop_policy(loop_policy.EventLoopPolicy())
    module.set_event_loop_policy(None)
    policy = module.get_event_loop_policy()
    assert type(policy) is asyncio_api.DefaultEventLoopPolicy
    # A fresh default each time the slot is emptied.
    module.set_event_loop_policy(None)
    assert module.get_event_loop_policy() is not policy


@MODULES
@pytest.mark.parametrize("bad", [object(), "policy", loop_policy.EventLoopPolicy])
def test_set_event_loop_policy_rejects_a_non_policy(which, bad, asyncio_api):
    module = module_for(which, asyncio_api)
    before = asyncio_api.get_event_loop_policy()
    with pytest.raises(TypeError) as info:
        module.set_event_loop_policy(bad)
    assert str(info.value) == (
        "policy must be an instance of AbstractEventLoopPolicy or None, "
        f"not '{type(bad).__name__}'"
    )
    assert asyncio_api.get_event_loop_policy() is before


@pytest.mark.skipif(sys.version_info < (3, 14), reason="deprecated from 3.14")
def test_asyncios_policy_functions_warn_and_ours_do_not(asyncio_api):
    with pytest.warns(DeprecationWarning, match="slated for removal in Python 3.16"):
        asyncio.get_event_loop_policy()
    with pytest.warns(DeprecationWarning, match="slated for removal in Python 3.16"):
        asyncio.set_event_loop_policy(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy = loop_policy.get_event_loop_policy()
        loop_policy.set_event_loop_policy(policy)
        loop_policy.set_event_loop(None)
        loop_policy.new_event_loop().close()
        loop_policy.EventLoopPolicy()
    assert asyncio_api.get_event_loop_policy() is policy


@pytest.mark.parametrize("policy", ["asyncio", "ours"])
def test_set_event_loop_rejects_a_non_loop(policy):
    if policy == "ours":
        loop_policy.set_event_loop_policy(loop_policy.EventLoopPolicy())
    with pytest.raises(TypeError, match="not 'int'"):
        loop_policy.set_event_loop(1)


def test_set_event_loop_checks_even_under_a_lax_policy(asyncio_api):
    class Lax(asyncio_api.AbstractEventLoopPolicy):
        loop = None

        def set_event_loop(self, loop):
            self.loop = loop

    lax = Lax()
    loop_policy.set_event_loop_policy(lax)
    with pytest.raises(TypeError):
        loop_policy.set_event_loop("not a loop")
    assert lax.loop is None


@pytest.mark.parametrize("policy", ["asyncio", "ours"])
def test_set_and_get_agree_with_asyncio(loop, policy):
    if policy == "ours":
        loop_policy.set_event_loop_policy(loop_policy.EventLoopPolicy())
    loop_policy.set_event_loop(loop)
    assert asyncio.get_event_loop() is loop
    assert loop_policy.get_event_loop() is loop
    asyncio.set_event_loop(None)
    with pytest.raises(RuntimeError):
        loop_policy.get_event_loop()


@pytest.mark.parametrize("policy", ["asyncio", "ours", "installed"])
def test_new_event_loop_is_ours_and_not_current(policy):
    if policy == "ours":
        loop_policy.set_event_loop_policy(loop_policy.EventLoopPolicy())
    elif policy == "installed":
        loop_policy.install()
    loop_policy.set_event_loop(None)
    loop = loop_policy.new_event_loop()
    try:
        assert type(loop) is loop_core.EventLoop
        with pytest.raises(RuntimeError):
            asyncio.get_event_loop()
    finally:
        loop.close()


def test_new_event_loop_uses_a_subclassed_policy():
    class Marked(loop_core.EventLoop):
        pass

    class Selectors(loop_policy.EventLoopPolicy):
        def new_event_loop(self):
            return Marked(poller="selectors")

    loop_policy.set_event_loop_policy(Selectors())
    loop = loop_policy.new_event_loop()
    try:
        assert type(loop) is Marked
    finally:
        loop.close()


MAKERS = pytest.mark.parametrize(
    "make", [loop_policy.new_event_loop, loop_core.new_event_loop], ids=["ours", "core"]
)


@MAKERS
def test_new_event_loop_reaches_registered_extensions(make):
    async def hello(loop, name):
        return f"hello {name} from {type(loop).__name__}"

    extensions.register("loop_policy_test_hello", hello)
    loop = make()
    try:
        greeting = loop.run_until_complete(
            loop.extension("loop_policy_test_hello")("world")
        )
        assert greeting == "hello world from EventLoop"
    finally:
        loop.close()
        extensions.unregister("loop_policy_test_hello")


@MAKERS
def test_new_event_loop_has_the_installed_extensions(make):
    if "create_server" not in extensions.available():
        pytest.skip("loop-transports is not installed")
    loop = make()
    try:

        async def serve():
            server = await loop.create_server(asyncio.Protocol, "127.0.0.1", 0)
            server.close()
            await server.wait_closed()
            return server

        server = loop.run_until_complete(serve())
        assert type(server).__module__.startswith("loop_transports")
        assert "loop" in inspect.signature(type(loop).create_server).parameters
    finally:
        loop.close()


def test_public_names():
    assert sorted(loop_policy.__all__) == sorted(
        [
            "EventLoopPolicy",
            "get_event_loop",
            "get_event_loop_policy",
            "install",
            "new_event_loop",
            "run",
            "set_event_loop",
            "set_event_loop_policy",
            "uninstall",
        ]
    )
