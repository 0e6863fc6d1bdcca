"""add_signal_handler / remove_signal_handler (the main thread only)."""

import asyncio
import os
import signal
import socket
import threading
import time

import pytest

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2


def current_wakeup_fd():
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    return fd


@pytest.fixture(autouse=True)
def restore_signals():
    before = {s: signal.getsignal(s) for s in (SIGUSR1, SIGUSR2, signal.SIGINT)}
    yield
    for s, handler in before.items():
        signal.signal(s, handler)


def test_handler_runs_in_loop_thread_with_args(loop):
    fut = loop.create_future()

    def handler(*args):
        fut.set_result((threading.get_ident(), args))

    loop.add_signal_handler(SIGUSR1, handler, "a", 2)
    # Sent from another thread while the loop sleeps with nothing to do.
    loop.call_soon(threading.Thread(target=os.kill, args=(os.getpid(), SIGUSR1)).start)
    watchdog = loop.call_later(20, loop.stop)
    assert loop.run_until_complete(fut) == (threading.get_ident(), ("a", 2))
    watchdog.cancel()
    assert loop.remove_signal_handler(SIGUSR1) is True


# A busy server has sockets to poll. With none, a busy loop of ours never
# releases the GIL, so the sending thread only runs once per switch interval
# (5 ms): fewer signals keep that variant quick.
@pytest.mark.parametrize(("count", "idle_socket"), [(1000, True), (40, False)])
def test_many_signals_while_busy(loop, count, idle_socket):
    ack = threading.Event()
    seen = []
    done = loop.create_future()
    main_ident = threading.get_ident()

    def handler(sig):
        seen.append((sig, threading.get_ident()))
        ack.set()
        if len(seen) == count:
            done.set_result(None)

    def sender():
        for i in range(count):
            ack.clear()
            os.kill(os.getpid(), SIGUSR1 if i % 2 == 0 else SIGUSR2)
            # The kernel merges pending signals of one kind: wait for the
            # handler before sending the next.
            if not ack.wait(10):
                return

    async def busy():
        while not done.done():
            await asyncio.sleep(0)

    loop.add_signal_handler(SIGUSR1, handler, SIGUSR1)
    loop.add_signal_handler(SIGUSR2, handler, SIGUSR2)
    thread = threading.Thread(target=sender)
    loop.call_soon(thread.start)
    quiet = socket.socketpair()
    if idle_socket:
        loop.add_reader(quiet[0], print)
    try:
        loop.run_until_complete(asyncio.wait_for(asyncio.gather(done, busy()), 30))
    finally:
        thread.join(10)
        loop.remove_reader(quiet[0])
        quiet[0].close()
        quiet[1].close()
    expected = [SIGUSR1 if i % 2 == 0 else SIGUSR2 for i in range(count)]
    assert [s for s, _ in seen] == expected
    assert {t for _, t in seen} == {main_ident}


def test_remove_returns_bool_and_restores_default(loop):
    assert loop.remove_signal_handler(SIGUSR1) is False
    loop.add_signal_handler(SIGUSR1, print)
    assert signal.getsignal(SIGUSR1) not in (signal.SIG_DFL, signal.SIG_IGN)
    assert loop.remove_signal_handler(SIGUSR1) is True
    assert signal.getsignal(SIGUSR1) == signal.SIG_DFL
    assert loop.remove_signal_handler(SIGUSR1) is False


def test_replacing_handler(loop):
    calls = []
    fut = loop.create_future()
    loop.add_signal_handler(SIGUSR1, calls.append, "old")
    loop.add_signal_handler(SIGUSR1, lambda: fut.set_result(calls.append("new")))
    loop.call_soon(signal.raise_signal, SIGUSR1)
    loop.run_until_complete(asyncio.wait_for(fut, 10))
    assert calls == ["new"]


@pytest.mark.parametrize("method", ["add_signal_handler", "remove_signal_handler"])
def test_bad_signals(loop, method):
    args = (print,) if method == "add_signal_handler" else ()
    call = getattr(loop, method)
    with pytest.raises(ValueError):
        call(0, *args)
    with pytest.raises(ValueError):
        call(10_000, *args)
    with pytest.raises(TypeError):
        call("SIGUSR1", *args)
    with pytest.raises(TypeError):
        call(1.0, *args)


def test_uncatchable_signal(loop):
    before = current_wakeup_fd()
    with pytest.raises(RuntimeError):
        loop.add_signal_handler(signal.SIGKILL, print)
    assert loop.remove_signal_handler(signal.SIGKILL) is False
    # A failed first registration leaves the wake-up fd alone.
    assert current_wakeup_fd() == before


def test_coroutine_callback_refused(loop):
    async def coro():
        pass

    with pytest.raises(TypeError):
        loop.add_signal_handler(SIGUSR1, coro)
    c = coro()
    with pytest.raises(TypeError):
        loop.add_signal_handler(SIGUSR1, c)
    c.close()
    assert loop.remove_signal_handler(SIGUSR1) is False


def test_closed_loop_refuses(loop):
    loop.close()
    with pytest.raises(RuntimeError):
        loop.add_signal_handler(SIGUSR1, print)
    # asyncio looks at the loop before (not at all, in fact) at whether the
    # callback can be called.
    with pytest.raises(RuntimeError):
        loop.add_signal_handler(SIGUSR1, None)
    # ...but a coroutine or a bad signal is refused first.
    with pytest.raises(TypeError):
        loop.add_signal_handler(SIGUSR1, asyncio.sleep)
    with pytest.raises(ValueError):
        loop.add_signal_handler(-1, None)
    assert loop.remove_signal_handler(SIGUSR1) is False


def test_non_main_thread_refused(loop):
    errors = []

    def other():
        try:
            loop.add_signal_handler(SIGUSR1, print)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    assert signal.getsignal(SIGUSR1) == signal.SIG_DFL


def test_close_restores_wakeup_fd(loop):
    before = current_wakeup_fd()
    assert before == -1  # nobody in the test process sets one
    loop.add_signal_handler(SIGUSR1, print)
    loop.add_signal_handler(SIGUSR2, print)
    assert current_wakeup_fd() != before
    loop.close()
    assert current_wakeup_fd() == before
    assert signal.getsignal(SIGUSR1) == signal.SIG_DFL
    assert signal.getsignal(SIGUSR2) == signal.SIG_DFL


@pytest.mark.ours_only
def test_close_restores_previous_wakeup_fd(loop):
    # asyncio resets the wake-up fd to -1; ours puts back the one before.
    r, w = socket.socketpair()
    w.setblocking(False)
    old = signal.set_wakeup_fd(w.fileno())
    try:
        loop.add_signal_handler(SIGUSR1, print)
        assert current_wakeup_fd() != w.fileno()
        loop.close()
        assert current_wakeup_fd() == w.fileno()
    finally:
        signal.set_wakeup_fd(old)
        r.close()
        w.close()


def test_sigint_default_restored(loop):
    # Python leaves SIGINT ignored when it starts with it ignored (a
    # background job of a non-interactive shell): begin from the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    loop.add_signal_handler(signal.SIGINT, print)
    assert loop.remove_signal_handler(signal.SIGINT) is True
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_signal_while_not_running_runs_on_next_run(loop):
    calls = []
    loop.add_signal_handler(SIGUSR1, calls.append, "late")
    signal.raise_signal(SIGUSR1)  # the loop is not running
    assert calls == []
    loop.run_until_complete(asyncio.sleep(0))
    assert calls == ["late"]


def test_handler_error_reaches_exception_handler(loop, loop_errors):
    called = loop.create_future()

    def handler():
        called.set_result(None)
        raise ZeroDivisionError

    loop.add_signal_handler(SIGUSR1, handler)
    loop.call_soon(signal.raise_signal, SIGUSR1)
    loop.run_until_complete(asyncio.wait_for(called, 10))
    (context,) = loop_errors
    loop_errors.clear()
    assert isinstance(context["exception"], ZeroDivisionError)


def test_two_loops_closed_out_of_order(loop_factory):
    before = current_wakeup_fd()
    first, second = loop_factory(), loop_factory()
    first.add_signal_handler(SIGUSR1, print)
    second.add_signal_handler(SIGUSR2, print)
    first.close()
    # New sockets take the fd numbers the first loop released.
    pairs = [socket.socketpair() for _ in range(4)]
    try:
        for a, b in pairs:
            a.setblocking(False)
            b.setblocking(False)
        second.close()
        assert current_wakeup_fd() == before
    finally:
        signal.set_wakeup_fd(before)
        for a, b in pairs:
            a.close()
            b.close()


def _run_in_thread(loop):
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    return thread


def test_handler_runs_when_loop_runs_in_another_thread(loop):
    # The handler is added in the main thread (signal.set_wakeup_fd needs
    # it); the loop then runs in another, where the callback must run.
    ran = threading.Event()
    where = []

    def handler():
        where.append(threading.get_ident())
        ran.set()

    loop.add_signal_handler(SIGUSR1, handler)
    thread = _run_in_thread(loop)
    try:
        os.kill(os.getpid(), SIGUSR1)
        assert ran.wait(20)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(20)
    assert where == [thread.ident]


@pytest.mark.ours_only
def test_python_level_handler_wakes_a_sleeping_loop_in_another_thread(loop):
    # The C-level handler's wake-up byte can be read by a loop in another
    # thread before the main thread runs the Python-level handler, which
    # queues the callback: that handler must wake the loop itself. Here it
    # is called by hand once the loop sleeps, with no byte in the pipe.
    ran = threading.Event()
    loop.add_signal_handler(SIGUSR2, ran.set)
    thread = _run_in_thread(loop)
    try:
        deadline = time.monotonic() + 20
        while not loop._polling:  # no event says "asleep in poll()"
            assert time.monotonic() < deadline
            time.sleep(0.001)
        loop._on_signal(SIGUSR2, None)
        assert ran.wait(20)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(20)


@pytest.mark.ours_only
@pytest.mark.timeout(20)
def test_a_signal_arriving_inside_a_handlers_wake_up_does_not_deadlock(
    loop, monkeypatch
):
    # A second signal can arrive while the first one's Python-level handler
    # writes the wake-up byte, so the second handler's wake-up runs inside
    # the first one's, in the same (main) thread. Here the second signal is
    # raised from inside that write.
    from loop_core import _selfpipe

    real_os = _selfpipe.os

    class SignalDuringWrite:
        raised = False

        def __getattr__(self, name):
            return getattr(real_os, name)

        def write(self, fd, data):
            if not SignalDuringWrite.raised:
                SignalDuringWrite.raised = True
                signal.raise_signal(SIGUSR2)  # its handler runs before we return
            return real_os.write(fd, data)

    got = []
    both = loop.create_future()

    def on_signal(n):
        got.append(n)
        if len(got) == 2:
            both.set_result(None)

    loop.add_signal_handler(SIGUSR1, on_signal, 1)
    loop.add_signal_handler(SIGUSR2, on_signal, 2)
    monkeypatch.setattr(_selfpipe, "os", SignalDuringWrite())
    main = threading.get_ident()

    def send_once_asleep():
        deadline = time.monotonic() + 10
        while not loop._polling:  # no event says "asleep in poll()"
            if time.monotonic() > deadline:
                return
            time.sleep(0.001)
        # To the main thread: its poll() is interrupted and the handler runs
        # there, while the loop is still marked as sleeping.
        signal.pthread_kill(main, SIGUSR1)

    sender = threading.Thread(target=send_once_asleep)
    sender.start()
    try:
        loop.run_until_complete(asyncio.wait_for(both, 10))
    finally:
        sender.join(10)
    assert sorted(got) == [1, 2]
    assert SignalDuringWrite.raised
