"""Multi-process activation: ``LOOP_POLICY_AUTO=1`` puts every Python
process on our loop.

A program's worker processes are new interpreters (multiprocessing's spawn
and forkserver children, ``uvicorn --workers``, gunicorn workers, a
distributed engine's nannies and workers), so ``install()`` in the parent
never reaches them. The environment does: loop-policy's wheel carries
``loop_policy_auto.pth``, which ``site`` runs at every interpreter start.
Its one line costs an environment lookup when the variable is unset, and
calls ``activate()`` when it is ``1``. ``python -m loop_policy`` sets the
variable for the processes it starts unless it is already set (``0`` opts
out).

The .pth file sorts after ``loop_core.pth`` and ``loop_policy.pth`` (the
path files of editable installs), which ``site`` must have processed first.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENV", "activate", "enabled"]

ENV = "LOOP_POLICY_AUTO"


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def activate() -> None:
    """``install()``, at interpreter start. A failure is reported on stderr
    and the interpreter goes on with asyncio's loop: it must never stop a
    process from starting."""
    try:
        from ._install import install

        install()
    except Exception as exc:  # pragma: no cover - a broken install
        print(f"{ENV}=1: loop_policy.install() failed: {exc!r}", file=sys.stderr)
