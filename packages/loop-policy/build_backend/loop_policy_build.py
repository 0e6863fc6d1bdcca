"""loop-policy's build backend: flit_core, plus one file in the wheel.

flit puts only the package in a wheel, but multi-process activation needs
``loop_policy_auto.pth`` at the top of site-packages (see
``loop_policy._auto``). This wraps flit_core's PEP 517 hooks and adds that
file, with its RECORD line, to every wheel flit builds (editable ones too).
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from typing import Any

from flit_core import buildapi
from flit_core.buildapi import (  # noqa: F401  (PEP 517 hooks used as they are)
    build_sdist,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

PTH = "loop_policy_auto.pth"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _add_pth(wheel: str) -> None:
    with open(os.path.join(_HERE, os.pardir, PTH), "rb") as f:
        data = f.read()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    line = f"{PTH},sha256={digest.decode()},{len(data)}\n"
    rebuilt = wheel + ".tmp"
    with (
        zipfile.ZipFile(wheel) as src,
        zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            content = src.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                dst.writestr(PTH, data)
                content = line.encode() + content
            dst.writestr(item, content)
    os.replace(rebuilt, wheel)


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    name: str = buildapi.build_wheel(
        wheel_directory, config_settings, metadata_directory
    )
    _add_pth(os.path.join(wheel_directory, name))
    return name


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    name: str = buildapi.build_editable(
        wheel_directory, config_settings, metadata_directory
    )
    _add_pth(os.path.join(wheel_directory, name))
    return name
