"""loop-streams: asyncio's streams API, our own fast implementation.

``StreamReader`` / ``StreamWriter`` / ``StreamReaderProtocol`` and the
``open_connection`` / ``start_server`` family behave like asyncio's and raise
asyncio's exceptions (``asyncio.IncompleteReadError``,
``asyncio.LimitOverrunError``); they run on any asyncio loop and are fastest
on loop-core's. ``create_subprocess_exec`` / ``create_subprocess_shell`` and
``Process`` need the ``subprocess`` extra (loop-subprocess) on our loop.
"""

from ._connect import open_connection as open_connection
from ._connect import open_unix_connection as open_unix_connection
from ._connect import start_server as start_server
from ._connect import start_unix_server as start_unix_server
from ._process import Process as Process
from ._process import create_subprocess_exec as create_subprocess_exec
from ._process import create_subprocess_shell as create_subprocess_shell
from ._protocol import StreamReaderProtocol as StreamReaderProtocol
from ._reader import StreamReader as StreamReader
from ._writer import StreamWriter as StreamWriter

__all__ = [
    "Process",
    "StreamReader",
    "StreamReaderProtocol",
    "StreamWriter",
    "create_subprocess_exec",
    "create_subprocess_shell",
    "open_connection",
    "open_unix_connection",
    "start_server",
    "start_unix_server",
]
__version__ = "0.2.0"
