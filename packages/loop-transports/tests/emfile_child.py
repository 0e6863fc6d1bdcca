"""Child process of test_abuse.py: a server whose accept() runs out of fds.

Run as ``python emfile_child.py <loop kind> <shared|once>``; prints one JSON
line of observations for the parent test to assert on. It lowers its own
RLIMIT_NOFILE and fills the fd table, which is why it is a separate process.
"""

import asyncio
import errno
import json
import os
import resource
import socket
import sys

from loop_core.testing import LOOP_KINDS, count_open_fds


class CountingSocket(socket.socket):
    """A listening socket that counts accept() calls and can say when a
    number of them has been reached (each retry after EMFILE is one call)."""

    attempts = 0
    target = 0
    reached = None

    def accept(self):
        self.attempts += 1
        if self.reached is not None and self.attempts >= self.target:
            if not self.reached.done():
                self.reached.set_result(None)
        return super().accept()


class LineEcho(asyncio.Protocol):
    """Answers each line; ``LineEcho.lost`` has a future per connection,
    done once its accepted fd is closed."""

    lost = []

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""
        self.gone = asyncio.get_running_loop().create_future()
        LineEcho.lost.append(self.gone)

    def connection_lost(self, exc):
        self.gone.set_result(None)

    def data_received(self, data):
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.transport.write(b"echo:" + line + b"\n")


class Starvation:
    """Fills the fd table up to a lowered soft limit; undo() frees it all."""

    def __init__(self):
        self.limits = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.fds = []

    def __enter__(self):
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (count_open_fds() + 8, self.limits[1])
        )
        while True:
            try:
                self.fds.append(os.open(os.devnull, os.O_RDONLY))
            except OSError as exc:
                assert exc.errno == errno.EMFILE, exc
                return self

    def __exit__(self, *exc_info):
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()
        resource.setrlimit(resource.RLIMIT_NOFILE, self.limits)


def connected_client(address):
    """Connected before the fd table fills: the kernel completes loopback
    connects into the listen queue, so only accept() needs a new fd."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect(address)
    sock.setblocking(False)
    return sock


async def all_closed():
    """Every accepted connection gone: no fd is freed behind our back later
    (and asyncio 3.11's wait_closed() does not wait for them)."""
    await asyncio.wait_for(asyncio.gather(*LineEcho.lost), 10)


async def ask(loop, sock, text):
    try:
        await loop.sock_sendall(sock, text.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = await loop.sock_recv(sock, 256)
            if not chunk:
                break
            data += chunk
        return data.decode().strip()
    finally:
        sock.close()


# loop.time() just after the last out-of-fds report was handled: set by a
# call_soon from the handler, so after the retry timers it was scheduled with.
last_report = [0.0]


async def retries_done(loop):
    """Wait until every accept retry scheduled while starved has run.

    asyncio schedules one retry per failed accept() (up to ``backlog`` per
    readiness) and never cancels them: closing the server before the last
    one ran makes it watch fd -1 (a ValueError to the handler). Timers run
    in due order, so a sleep due after the last retry is the event."""
    import asyncio.constants

    import loop_transports.server

    delay = max(
        asyncio.constants.ACCEPT_RETRY_DELAY,
        loop_transports.server.ACCEPT_RETRY_DELAY,
    )
    await asyncio.sleep(max(0.0, last_report[0] + delay - loop.time()) + 0.01)


async def shared(loop, errors, report):
    listener = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = await loop.create_server(LineEcho, sock=listener)
    address = listener.getsockname()
    client = connected_client(address)
    try:
        with Starvation():
            await asyncio.wait_for(report, 10)
            # Enough iterations that a listener left in the poller would
            # be retried far more often than asyncio's per-readiness batch.
            for _ in range(1000):
                await asyncio.sleep(0)
            attempts = listener.attempts
            os.fstat(listener.fileno())  # still open
            listener_open = listener.fileno() != -1
            serving = server.is_serving()
        answers = [await asyncio.wait_for(ask(loop, client, "starved"), 10)]
        fresh = connected_client(address)
        answers.append(await asyncio.wait_for(ask(loop, fresh, "fresh"), 10))
        await retries_done(loop)
    finally:
        client.close()
        server.close()
        await all_closed()
        await server.wait_closed()
    return {
        "reports": len(errors),
        "messages": sorted({e.get("message") for e in errors}),
        "errnos": sorted({errno.errorcode[e["exception"].errno] for e in errors}),
        "attempts_while_starved": attempts,
        "backlog": 100,
        "listener_open": listener_open,
        "serving": serving,
        "answers": answers,
    }


async def once(loop, errors, report):
    import loop_transports.server

    loop_transports.server.ACCEPT_RETRY_DELAY = 0.01
    listener = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = await loop.create_server(LineEcho, sock=listener)
    address = listener.getsockname()
    result = {"answers": [], "retries_seen": 1000}
    try:
        for episode, word in (("first", "first"), ("second", "second")):
            before_reports = len(errors)
            before_attempts = listener.attempts
            client = connected_client(address)
            try:
                with Starvation():
                    listener.target = before_attempts + 6
                    listener.reached = loop.create_future()
                    await asyncio.wait_for(listener.reached, 10)
                    listener.reached = None
                result["retries_seen"] = min(
                    result["retries_seen"], listener.attempts - before_attempts - 1
                )
                result[f"reports_{episode}_episode"] = len(errors) - before_reports
                result["answers"].append(
                    await asyncio.wait_for(ask(loop, client, word), 10)
                )
            finally:
                client.close()
            await all_closed()
    finally:
        server.close()
        await all_closed()
        await server.wait_closed()
    return result


def main():
    kind, mode = sys.argv[1:]
    loop = LOOP_KINDS[kind]()
    errors = []
    report = loop.create_future()

    def record(loop, context):
        errors.append(context)
        loop.call_soon(lambda: last_report.__setitem__(0, loop.time()))
        if not report.done():
            report.set_result(None)

    loop.set_exception_handler(record)
    try:
        scenario = shared if mode == "shared" else once
        result = loop.run_until_complete(scenario(loop, errors, report))
    finally:
        loop.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
