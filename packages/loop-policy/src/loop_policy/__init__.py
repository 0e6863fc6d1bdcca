"""loop_policy: asyncio's event loop policy API, run() and a command-line
runner, all giving loop-core's loop.

- ``EventLoopPolicy``: asyncio's default policy rules (one current loop per
  OS thread, the main thread's made on first use) with our loop.
- ``get_event_loop_policy`` / ``set_event_loop_policy`` / ``get_event_loop``
  / ``set_event_loop`` / ``new_event_loop``: asyncio's module-level
  functions, acting on asyncio's own policy slot so both always agree.
- ``install()`` / ``uninstall()``: make our loop asyncio's default, through
  the policy up to Python 3.13 and through asyncio's ``new_event_loop``
  from then on (the policy system is deprecated in 3.14, gone in 3.16).
- ``run(main, *, debug=None)``: ``asyncio.run()`` on our loop.
- ``python -m loop_policy script.py [args]``: an unchanged asyncio program,
  on our loop.
"""

from ._current import get_event_loop as get_event_loop
from ._current import get_event_loop_policy as get_event_loop_policy
from ._current import new_event_loop as new_event_loop
from ._current import set_event_loop as set_event_loop
from ._current import set_event_loop_policy as set_event_loop_policy
from ._install import install as install
from ._install import uninstall as uninstall
from ._policy import EventLoopPolicy as EventLoopPolicy
from ._run import run as run

__all__ = [
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

__version__ = "0.2.0"
