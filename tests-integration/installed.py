"""Which of the distributions this environment has, and what each
one provides; shared by the integration tests.

Under ``nox -s integration`` the session says which subset it installed
(``LOOP_EXPECTED_DISTRIBUTIONS``) so a wheel that failed to install is an
error, not a silently skipped test.
"""

from __future__ import annotations

import importlib.metadata
import os

PIECES = [
    "loop-core",
    "loop-transports",
    "loop-subprocess",
    "loop-policy",
    "loop-streams",
    "loop-observe",
]

# The loop methods each distribution provides as loop_core.extensions
# entry points (DESIGN.md §1-2).
PROVIDES: dict[str, list[str]] = {
    "loop-transports": [
        "create_connection",
        "create_server",
        "create_unix_connection",
        "create_unix_server",
        "create_datagram_endpoint",
        "connect_accepted_socket",
        "sendfile",
        "start_tls",
    ],
    "loop-subprocess": [
        "subprocess_exec",
        "subprocess_shell",
        "connect_read_pipe",
        "connect_write_pipe",
    ],
}


def _is_installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


INSTALLED = [name for name in PIECES if _is_installed(name)]
EXPECTED = [
    n for n in os.environ.get("LOOP_EXPECTED_DISTRIBUTIONS", "").split(",") if n
]


def module_of(dist: str) -> str:
    return dist.replace("-", "_")
