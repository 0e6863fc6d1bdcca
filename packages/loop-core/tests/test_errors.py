"""The exception-handler API and the default handler's log output."""

import logging

import pytest


def asyncio_errors(caplog):
    return [r for r in caplog.records if r.name == "asyncio" and r.levelno >= 40]


def test_get_set_exception_handler(loop):
    def handler(loop, context):
        pass

    loop.set_exception_handler(handler)
    assert loop.get_exception_handler() is handler
    loop.set_exception_handler(None)
    assert loop.get_exception_handler() is None


@pytest.mark.parametrize("bad", [42, "handler", object()])
def test_non_callable_handler(loop, bad):
    with pytest.raises(TypeError):
        loop.set_exception_handler(bad)


def test_custom_handler_receives_context(loop):
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append((lp, ctx)))

    def boom():
        raise ZeroDivisionError("bad")

    handle = loop.call_soon(boom)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(seen) == 1
    lp, ctx = seen[0]
    assert lp is loop
    assert ctx["message"].startswith("Exception in callback")
    assert isinstance(ctx["exception"], ZeroDivisionError)
    assert ctx["handle"] is handle


def test_call_exception_handler_passes_context_through(loop):
    seen = []
    loop.set_exception_handler(lambda lp, ctx: seen.append(ctx))
    context = {"message": "custom", "extra": 1}
    loop.call_exception_handler(context)
    assert seen == [context]


def test_raising_handler_is_logged_and_loop_goes_on(loop, caplog):
    def bad_handler(loop, context):
        raise RuntimeError("handler broke")

    def boom():
        raise ZeroDivisionError

    calls = []
    loop.set_exception_handler(bad_handler)
    loop.call_soon(boom)
    loop.call_soon(calls.append, "after")
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert calls == ["after"]
    (record,) = asyncio_errors(caplog)
    assert "Unhandled error in exception handler" in record.getMessage()
    assert isinstance(record.exc_info[1], RuntimeError)


def test_default_handler_logs(loop, caplog):
    try:
        raise KeyError("inner")
    except KeyError as exc:
        error = exc
    loop.default_exception_handler({"message": "hello", "exception": error, "n": 7})
    (record,) = asyncio_errors(caplog)
    text = record.getMessage()
    assert text.startswith("hello")
    assert "n: 7" in text
    assert record.exc_info[1] is error


def test_default_handler_default_message(loop, caplog):
    loop.default_exception_handler({})
    (record,) = asyncio_errors(caplog)
    assert record.getMessage() == "Unhandled exception in event loop"
    assert not record.exc_info


def test_no_handler_uses_default(loop, caplog):
    loop.set_exception_handler(None)
    loop.call_exception_handler({"message": "via default", "key": "v"})
    (record,) = asyncio_errors(caplog)
    assert record.getMessage() == "via default\nkey: 'v'"


class BadRepr:
    def __repr__(self):
        raise ValueError("no repr")


def test_default_handler_failure_is_logged(loop, caplog):
    loop.set_exception_handler(None)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        loop.call_exception_handler({"message": "m", "value": BadRepr()})
    (record,) = asyncio_errors(caplog)
    assert "Exception in default exception handler" in record.getMessage()
