"""How other distributions add loop methods: the extension registry.

loop-core implements the loop's primitives; methods such as
``create_connection`` or ``subprocess_exec`` come from other distributions,
which declare them as entry points in the group ``loop_core.extensions``::

    [project.entry-points."loop_core.extensions"]
    create_connection = "loop_transports.connections:create_connection"

A provider is called as ``provider(loop, *args, **kwargs)``. The entry
points are read once per process, on the first call of a method nobody has
resolved yet, so ``import loop_core`` stays fast and never imports
``importlib.metadata``. A resolved provider replaces the stub on
``EventLoop``, so later calls cost nothing extra and ``inspect.signature``
shows the real function.

Rules:

- nothing installed for a method: calling it raises NotImplementedError
  naming the distribution to install;
- two distributions providing one method: ExtensionConflict naming both,
  unless ``register(name, provider)`` chose one, which always wins;
- ``LOOP_CORE_NO_AUTOLOAD=1`` ignores entry points (only ``register()``ed
  providers count): the seam for tests and for locked-down deployments;
- plugins may add methods asyncio does not have; reach them with
  ``loop.extension("name")``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = [
    "GROUP",
    "STUB_METHODS",
    "ExtensionConflict",
    "available",
    "preload",
    "register",
    "resolve",
    "unregister",
]

GROUP = "loop_core.extensions"

# The asyncio.AbstractEventLoop methods loop-core leaves to other
# distributions, and which distribution provides each.
_PROVIDED_BY: dict[str, str] = {
    "create_connection": "loop-transports",
    "create_server": "loop-transports",
    "create_unix_connection": "loop-transports",
    "create_unix_server": "loop-transports",
    "create_datagram_endpoint": "loop-transports",
    "connect_accepted_socket": "loop-transports",
    "sendfile": "loop-transports",
    "start_tls": "loop-transports",
    "subprocess_exec": "loop-subprocess",
    "subprocess_shell": "loop-subprocess",
    "connect_read_pipe": "loop-subprocess",
    "connect_write_pipe": "loop-subprocess",
}
STUB_METHODS: tuple[str, ...] = tuple(_PROVIDED_BY)

Provider = Callable[..., Any]


class ExtensionConflict(RuntimeError):
    """Two installed distributions provide the same loop method."""


# Explicit choices (register()) and what entry points resolved to.
_registered: dict[str, Provider] = {}
_resolved: dict[str, Provider] = {}
# name -> [(distribution, "module:attr", entry point)], read once.
_scanned: dict[str, list[tuple[str, str, Any]]] | None = None
# Classes whose stubs are replaced by resolved providers (set by _stubs).
_targets: list[type] = []


def _scan() -> dict[str, list[tuple[str, str, Any]]]:
    global _scanned
    if _scanned is None:
        from importlib.metadata import entry_points

        found: dict[str, list[tuple[str, str, Any]]] = {}
        for ep in entry_points(group=GROUP):
            dist = ep.dist.name if ep.dist is not None else "<unknown>"
            entries = found.setdefault(ep.name, [])
            # One distribution seen twice on sys.path is still one provider.
            if not any(d == dist and v == ep.value for d, v, _ in entries):
                entries.append((dist, ep.value, ep))
        _scanned = found
    return _scanned


def preload() -> None:
    """Read the entry points now, if autoload is on and they are not read
    yet. EventLoop() calls it, so the scan (filesystem calls on every
    sys.path entry) never runs inside a running loop. An error is left for
    the first method call to raise, as before."""
    if _scanned is None and _autoload():
        try:
            _scan()
        except Exception:
            pass


def _autoload() -> bool:
    return not os.environ.get("LOOP_CORE_NO_AUTOLOAD")


def missing_message(name: str) -> str:
    dist = _PROVIDED_BY.get(name)
    if dist is not None:
        return (
            f"{name}() needs {dist}: pip install {dist} "
            f"(from a checkout of loop: pip install ./packages/{dist})"
        )
    return (
        f"no installed distribution provides the loop method {name!r} "
        f"(entry point group {GROUP!r})"
    )


def resolve(name: str) -> Provider:
    """The provider for ``name``; NotImplementedError if there is none."""
    provider = _registered.get(name) or _resolved.get(name)
    if provider is not None:
        return provider
    if not _autoload():
        raise NotImplementedError(missing_message(name))
    entries = _scan().get(name, [])
    if not entries:
        raise NotImplementedError(missing_message(name))
    if len(entries) > 1:
        who = " and ".join(f"{dist} ({value})" for dist, value, _ in entries)
        raise ExtensionConflict(
            f"loop method {name!r} is provided by {who}; choose one with "
            f"loop_core.extensions.register({name!r}, provider)"
        )
    loaded: Provider = entries[0][2].load()
    if not callable(loaded):
        raise TypeError(f"entry point {entries[0][1]!r} for {name!r} is not callable")
    _resolved[name] = loaded
    _install(name, loaded)
    return loaded


def register(name: str, provider: Provider) -> None:
    """Choose ``provider`` for ``name`` (wins over entry points)."""
    if not callable(provider):
        raise TypeError(f"provider must be callable, got {provider!r}")
    _registered[name] = provider
    _install(name, provider)


def unregister(name: str) -> None:
    """Forget a register()ed or resolved provider; the stub comes back."""
    _registered.pop(name, None)
    _resolved.pop(name, None)
    if name in _PROVIDED_BY:
        from . import _stubs

        for cls in _targets:
            setattr(cls, name, _stubs.make_stub(name))


def available() -> dict[str, tuple[str, str]]:
    """``{method: (distribution, "module:attr")}`` for what can be resolved."""
    result: dict[str, tuple[str, str]] = {}
    if _autoload():
        for name, entries in _scan().items():
            if len(entries) == 1:
                result[name] = (entries[0][0], entries[0][1])
            else:
                dists = ", ".join(d for d, _, _ in entries)
                result[name] = (f"CONFLICT: {dists}", entries[0][1])
    for name, provider in _registered.items():
        where = f"{provider.__module__}:{getattr(provider, '__qualname__', '?')}"
        result[name] = ("registered", where)
    return result


def _install(name: str, provider: Provider) -> None:
    if name in _PROVIDED_BY:
        for cls in _targets:
            setattr(cls, name, provider)
