"""Subprocesses and pipes for loop-core, with thread-free child reaping.

The loop methods (subprocess_exec, subprocess_shell, connect_read_pipe,
connect_write_pipe) are entry points in the ``loop_core.extensions`` group;
``SubprocessTransport`` is public for type annotations.
"""

from ._transport import SubprocessTransport as SubprocessTransport

__all__ = ["SubprocessTransport"]

__version__ = "0.2.0"
