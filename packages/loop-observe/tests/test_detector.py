"""The blocking detector names the user's line while the loop is blocked:
time.sleep, a blocking socket read, a CPU-bound loop and a blocking HTTP
call, in tasks and in plain callbacks."""

import asyncio
import http.server
import socket
import threading
import time
import urllib.request

import loop_core
import loop_observe
import pytest

pytestmark = [pytest.mark.ours_only, pytest.mark.timeout(60)]

THRESHOLD = 0.05
BLOCK = 0.5


@pytest.fixture
def loop():
    loop = loop_core.new_event_loop()
    yield loop
    loop.close()


def sleepy():
    time.sleep(BLOCK)  # LINE:sleepy


def reads_a_socket():
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(BLOCK)
        try:
            a.recv(1)  # LINE:reads_a_socket
        except TimeoutError:
            pass


def busy():
    end = time.monotonic() + BLOCK
    n = 0
    while time.monotonic() < end:  # LINE:busy
        n += 1  # LINE:busy


class SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(BLOCK)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_http():
    server = http.server.HTTPServer(("127.0.0.1", 0), SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def lines_marked(name):
    with open(__file__) as f:
        return {i for i, text in enumerate(f, 1) if f"# LINE:{name}" in text}


def run_blocking(loop, blocker, in_task):
    reports = []
    detector = loop_observe.detect_blocking(loop, THRESHOLD, reports.append)
    try:
        if in_task:

            async def handler():
                blocker()

            loop.run_until_complete(loop.create_task(handler(), name="handler"))
        else:
            loop.call_soon(blocker)
            loop.call_soon(loop.stop)
            loop.run_forever()
    finally:
        detector.stop()
    return reports


@pytest.mark.parametrize("in_task", [True, False], ids=["task", "callback"])
@pytest.mark.parametrize("blocker", [sleepy, reads_a_socket, busy])
def test_reports_the_blocking_line(loop, blocker, in_task):
    reports = run_blocking(loop, blocker, in_task)
    assert len(reports) == 1, reports
    report = reports[0]
    path, line = report.location.split(" in ")[0].rsplit(":", 1)
    assert path == __file__
    assert int(line) in lines_marked(blocker.__name__), report
    assert report.blocked_for >= THRESHOLD
    assert "loop_core" not in report.location
    if in_task:
        assert report.task == "handler"
        assert report.coroutines[-1].endswith("handler")
    else:
        assert report.task is None and "Handle" in report.callback


@pytest.mark.parametrize("in_task", [True, False], ids=["task", "callback"])
def test_reports_a_blocking_http_call_at_the_callers_line(loop, slow_http, in_task):
    def fetch():
        with urllib.request.urlopen(slow_http, timeout=10) as r:  # LINE:fetch
            r.read()

    reports = run_blocking(loop, fetch, in_task)
    assert len(reports) == 1, reports
    report = reports[0]
    assert report.location.startswith(f"{__file__}:")
    assert int(report.location.split(" in ")[0].rsplit(":", 1)[1]) in lines_marked(
        "fetch"
    )
    assert report.inside is not None  # inside the stdlib's socket/http code


def test_repeats_are_collapsed_and_the_thread_ends_with_the_loop():
    loop = loop_core.new_event_loop()
    reports = []
    detector = loop_observe.detect_blocking(loop, THRESHOLD, reports.append)
    for _ in range(3):
        loop.call_soon(sleepy)
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(reports) == 1  # the same callback line thrice: one report
    loop.close()
    detector._thread.join(5)
    assert not detector._thread.is_alive()


def test_tasks_blocking_on_one_line_make_one_report():
    # A server's requests: a task each, all stuck on the same line.
    loop = loop_core.new_event_loop()
    reports = []
    loop_observe.detect_blocking(loop, THRESHOLD, reports.append)

    async def request():
        sleepy()

    async def main():
        await asyncio.gather(*(request() for _ in range(3)))

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert len(reports) == 1
    assert reports[0].task is not None


def test_no_thread_until_asked(loop):
    before = {t.name for t in threading.enumerate()}
    loop_observe.stats(loop)
    loop.run_until_complete(asyncio.sleep(0))
    assert {t.name for t in threading.enumerate()} == before
