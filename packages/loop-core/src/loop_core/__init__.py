"""loop_core: a fast, readable, pure-Python asyncio event loop.

What belongs in the core, and what does not:

- The core is the loop and the primitives everything else is built from:
  the ready queue and the timer heap; running, stopping and closing; fd
  watching; the sock_* coroutines; name resolution; signals; the executor;
  debug mode; the exception handler; asyncio Future/Task interop; and
  ``FdTransport``, the buffered, flow-controlled transport over an fd.
- Everything that is a *policy about sockets or processes* lives elsewhere:
  TCP/UDP/Unix/TLS in loop-transports, subprocesses and pipes in
  loop-subprocess, policies and the runner in loop-policy, streams in
  loop-streams. They attach through ``loop_core.extensions`` using only the
  public names below, the way any third-party plugin would.
- The core depends on the standard library only, imports nothing it does not
  need at import time, and keeps its hot paths (the iteration, readiness
  dispatch, transport reads and writes) short enough to read and fast
  enough to measure.
"""

from . import extensions as extensions
from ._fdtransport import FdTransport as FdTransport
from ._flowcontrol import WriteFlowControl as WriteFlowControl
from ._handles import Handle as Handle
from ._handles import TimerHandle as TimerHandle
from ._loop import EventLoop as EventLoop
from ._loop import new_event_loop as new_event_loop
from ._probe import LoopProbe as LoopProbe
from ._probe import get_probe as get_probe
from ._probe import queue_sizes as queue_sizes
from ._probe import set_probe as set_probe
from ._scratch import SCRATCH_SIZE as SCRATCH_SIZE
from ._scratch import scratch_buffer as scratch_buffer
from ._sendfile_args import check_sendfile_args as check_sendfile_args
from ._types import BytesLike as BytesLike

__all__ = [
    "SCRATCH_SIZE",
    "BytesLike",
    "EventLoop",
    "FdTransport",
    "Handle",
    "LoopProbe",
    "TimerHandle",
    "WriteFlowControl",
    "check_sendfile_args",
    "extensions",
    "get_probe",
    "new_event_loop",
    "queue_sizes",
    "scratch_buffer",
    "set_probe",
]

__version__ = "0.2.0"
