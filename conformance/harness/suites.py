"""The catalog: which CPython test_asyncio modules run, and how.

A module runs *whole* when its tests make loops through asyncio's policy
(``asyncio.new_event_loop()``, ``asyncio.run()``, ``IsolatedAsyncioTestCase``):
``adapt.install`` makes the policy return the loop under test.

Some modules pin a loop class in a concrete test class, e.g.
``SelectEventLoopTests.create_event_loop`` returns ``asyncio.SelectorEventLoop``.
For those, a *port* builds a new class from the same loop-agnostic mixins
with the loop hook returning the loop under test, and the pinned variants
are *dropped*: they are the same tests on asyncio's own loops (with another
selector), so they are neither run nor counted.

Tests that exercise asyncio internals instead of a loop are listed as not
applicable, with a reason, in expected.toml (they are counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The hooks a port can override to hand the loop under test to a mixin.
HOOKS = ("create_event_loop", "new_loop", "setUp")


@dataclass(frozen=True)
class Port:
    """A test class rebuilt from a module's mixins to run on the loop under test.

    ``bases`` are attribute paths in the CPython module (``"test_utils.TestCase"``
    works because the modules import ``utils as test_utils``). ``hook`` is the
    method that makes the loop: ``create_event_loop`` / ``new_loop`` return it,
    ``setUp`` replaces a setUp that built asyncio's loop by hand.
    """

    name: str
    bases: tuple[str, ...]
    hook: str
    # a name in collect.TWEAKS: what the replaced hook did to its loop
    # besides making it, done to the loop under test too
    tweak: str | None = None


@dataclass(frozen=True)
class Suite:
    """One CPython module of test_asyncio, as this harness runs it."""

    module: str
    ports: tuple[Port, ...] = ()
    # class name -> why it is not run (a variant replaced by a port)
    drop: dict[str, str] = field(default_factory=dict)
    # the distribution every loop-dependent test here needs, when its
    # failures carry no "needs loop-X" message of their own
    requires: str | None = None
    # part of the fast subset run by --quick
    quick: bool = False
    # run against another implementation of what the module tests:
    # "loop_streams" puts our streams in asyncio's namespace (adapt.py)
    variant: str | None = None

    @property
    def name(self) -> str:
        """The suite's name in the catalog, results and logs."""
        return f"{self.module}[{self.variant}]" if self.variant else self.module


_SELECTOR_VARIANTS = (
    "the same tests on asyncio.SelectorEventLoop; run as the Loop* port"
)
_PROACTOR = "Windows ProactorEventLoop"


def _variants(*names: str, proactor: str = "ProactorEventLoopTests") -> dict[str, str]:
    dropped = dict.fromkeys(names, _SELECTOR_VARIANTS)
    dropped[proactor] = _PROACTOR
    return dropped


_EVENT_LOOP_VARIANTS = _variants(
    "SelectEventLoopTests",
    "PollEventLoopTests",
    "EPollEventLoopTests",
    "KqueueEventLoopTests",
)

_WATCHER = "asyncio child-watcher variant; the loop under test reaps its own children"

# Longest first: workers run in parallel in this order.
SUITES: tuple[Suite, ...] = (
    Suite("test_tasks", quick=True),
    Suite(
        "test_events",
        ports=(
            Port(
                "LoopEventLoopTests",
                ("EventLoopTestsMixin", "SubprocessTestsMixin", "test_utils.TestCase"),
                "create_event_loop",
            ),
            # 3.14+: connect_read_pipe()/connect_write_pipe() on pipes, FIFOs,
            # sockets, ttys; the CPython class builds a SelectorEventLoop
            Port(
                "LoopUnixPipeObjectSupportTests",
                ("UnixPipeObjectSupportTests",),
                "setUp",
            ),
        ),
        drop={
            **_EVENT_LOOP_VARIANTS,
            "UnixPipeObjectSupportTests": _SELECTOR_VARIANTS,
        },
        quick=True,
    ),
    Suite(
        "test_sock_lowlevel",
        ports=(
            Port(
                "LoopSockTests",
                ("BaseSockTestsMixin", "test_utils.TestCase"),
                "create_event_loop",
            ),
        ),
        drop=_EVENT_LOOP_VARIANTS,
        quick=True,
    ),
    Suite("test_futures", quick=True),
    Suite("test_futures2", quick=True),
    Suite("test_eager_task_factory", quick=True),
    Suite("test_locks", quick=True),
    Suite("test_queues", quick=True),
    Suite("test_timeouts", quick=True),
    Suite("test_taskgroups", quick=True),
    Suite("test_waitfor", quick=True),
    Suite("test_context", quick=True),
    Suite("test_threads", quick=True),
    Suite(
        "test_runners",
        ports=(
            Port("LoopRunTests", ("RunTests",), "new_loop", "track_shutdown_asyncgens"),
            Port(
                "LoopRunnerTests",
                ("RunnerTests",),
                "new_loop",
                "track_shutdown_asyncgens",
            ),
        ),
        drop=dict.fromkeys(
            ("RunTests", "RunnerTests"),
            "the same tests on a mocked asyncio.BaseEventLoop; run as the Loop* port",
        ),
        quick=True,
    ),
    Suite("test_staggered", quick=True),
    Suite("test_graph", quick=True),  # 3.14+
    Suite("test_free_threading", quick=True),  # 3.14+
    Suite(
        "test_pep492",
        ports=(
            Port("LoopLockTests", ("LockTests",), "setUp"),
            Port("LoopStreamReaderTests", ("StreamReaderTests",), "setUp"),
            Port("LoopCoroutineTests", ("CoroutineTests",), "setUp"),
        ),
        drop=dict.fromkeys(
            ("LockTests", "StreamReaderTests", "CoroutineTests"),
            "the same tests on a mocked asyncio.BaseEventLoop; run as the Loop* port",
        ),
        quick=True,
    ),
    Suite("test_protocols"),
    Suite("test_transports"),
    Suite(
        "test_unix_events",
        ports=(
            Port("LoopUnixSocketTests", ("SelectorEventLoopUnixSocketTests",), "setUp"),
        ),
        drop={"SelectorEventLoopUnixSocketTests": _SELECTOR_VARIANTS},
        quick=True,
    ),
    Suite(
        "test_buffered_proto",
        ports=(
            Port(
                "LoopBufferedProtocolTests",
                ("BaseTestBufferedProtocol", "unittest.TestCase"),
                "new_loop",
            ),
        ),
        drop=_variants(
            "BufferedProtocolSelectorTests", proactor="BufferedProtocolProactorTests"
        ),
        requires="loop-transports",
    ),
    Suite(
        "test_server",
        ports=(
            Port("LoopStartServerTests", ("SelectorStartServerTests",), "new_loop"),
        ),
        drop=_variants("SelectorStartServerTests", proactor="ProactorStartServerTests"),
        requires="loop-transports",
    ),
    Suite(
        "test_sendfile",
        ports=(
            Port(
                "LoopSendfileTests",
                ("SendfileTestsBase", "test_utils.TestCase"),
                "create_event_loop",
            ),
        ),
        drop=_EVENT_LOOP_VARIANTS,
        requires="loop-transports",
    ),
    Suite("test_streams", requires="loop-transports"),
    Suite("test_streams", requires="loop-streams", variant="loop_streams"),
    Suite("test_ssl", requires="loop-transports"),
    Suite("test_server_context", requires="loop-transports"),  # 3.15+
    Suite(
        "test_sslproto",
        ports=(
            Port(
                "LoopStartTLSTests",
                ("BaseStartTLS", "unittest.TestCase"),
                "new_loop",
            ),
        ),
        drop=_variants("SelectorStartTLSTests", proactor="ProactorStartTLSTests"),
        requires="loop-transports",
    ),
    Suite(
        # SubprocessThreadedWatcherTests makes its loop with the policy (so the
        # loop under test) and its watcher is a no-op for any other loop.
        "test_subprocess",
        drop={
            "SubprocessMultiLoopWatcherTests": _WATCHER,
            "SubprocessSafeWatcherTests": _WATCHER,
            "SubprocessFastWatcherTests": _WATCHER,
            "SubprocessPidfdWatcherTests": _WATCHER,
            "SubprocessProactorTests": _PROACTOR,
        },
        requires="loop-subprocess",
    ),
    Suite(
        # The same tests with loop_streams' create_subprocess_* and Process.
        "test_subprocess",
        drop={
            "SubprocessMultiLoopWatcherTests": _WATCHER,
            "SubprocessSafeWatcherTests": _WATCHER,
            "SubprocessFastWatcherTests": _WATCHER,
            "SubprocessPidfdWatcherTests": _WATCHER,
            "SubprocessProactorTests": _PROACTOR,
        },
        requires="loop-streams",
        variant="loop_streams",
    ),
    Suite(
        # BaseEventLoop's tests of public behaviour (close, call_soon/call_at,
        # run_until_complete, thread checks, exception handler, task
        # factory, the argument checks of create_* and sock_sendfile); those
        # of its private methods or on mocks are listed not applicable.
        "test_base_events",
        ports=(
            Port("LoopBaseEventLoopTests", ("BaseEventLoopTests",), "setUp"),
            Port(
                "LoopBaseEventLoopWithSelectorTests",
                ("BaseEventLoopWithSelectorTests",),
                "setUp",
            ),
            Port(
                "LoopBaseLoopSockSendfileTests",
                ("BaseLoopSockSendfileTests",),
                "setUp",
                "open_sendfile_data",
            ),
        ),
        drop=dict.fromkeys(
            (
                "BaseEventLoopTests",
                "BaseEventLoopWithSelectorTests",
                "BaseLoopSockSendfileTests",
            ),
            "the same tests on asyncio.BaseEventLoop or one of its subclasses; "
            "run as the Loop* port",
        ),
    ),
    # asyncio's implementation modules: every test is listed not applicable
    # in expected.toml; they are loaded only to be counted.
    Suite("test_selector_events"),
    Suite("test_proactor_events"),
    Suite("test_windows_events"),
    Suite("test_windows_utils"),
    Suite("test_tools"),  # 3.14+: asyncio.tools formats another process's tasks
)

BY_NAME: dict[str, Suite] = {suite.name: suite for suite in SUITES}
