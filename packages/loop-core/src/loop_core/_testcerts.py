"""A throwaway test CA and a loopback certificate, made with the ``openssl``
command.

Why the command and not ``trustme``: trustme needs ``cryptography``, which
has no wheel for every interpreter we test on (PyPy 3.11's ABI among them)
and takes a Rust toolchain to build. The ``openssl`` command is on every
Linux and macOS machine that has Python's ``ssl`` module worth testing.

The certificates satisfy the strict verification that Python 3.13+ asks for
by default (``VERIFY_X509_STRICT``): a CA with key-usage and key
identifiers, a leaf with subjectAltName, key usage and an authority key id.
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CertificateFiles", "make_certificates"]

_CA_EXTENSIONS = """\
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_LEAF_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = {names}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class CertificateFiles:
    """PEM files: the CA's certificate, the leaf's and the leaf's key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60
    )


def _kind(name: str) -> str:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return "DNS"
    return "IP"


def make_certificates(directory: Path, *names: str) -> CertificateFiles:
    """Write a new CA and a certificate it issued for ``names`` (host names
    or IP addresses) into ``directory``."""
    if shutil.which("openssl") is None:
        raise FileNotFoundError("the openssl command is needed to make test certs")
    alt = ", ".join(f"{_kind(name)}:{name}" for name in names)
    (directory / "ca.ext").write_text(_CA_EXTENSIONS)
    (directory / "leaf.ext").write_text(_LEAF_EXTENSIONS.format(names=alt))
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(
        "req",
        "-new",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.csr",
        "-subj",
        "/O=loop tests/CN=loop test CA",
        cwd=directory,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "ca.csr",
        "-signkey",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "3650",
        "-extfile",
        "ca.ext",
        cwd=directory,
    )
    _openssl(
        "req",
        "-new",
        *key,
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        f"/O=loop tests/CN={names[0]}",
        cwd=directory,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "3650",
        "-extfile",
        "leaf.ext",
        cwd=directory,
    )
    return CertificateFiles(
        ca_file=directory / "ca.pem",
        cert_file=directory / "leaf.pem",
        key_file=directory / "leaf.key",
    )
