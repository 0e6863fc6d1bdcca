"""TLS material for test_tls.py: one trustme CA per session, fresh contexts
per test (skipped when trustme is not installed)."""

import ssl
import types

import pytest


@pytest.fixture(scope="session")
def tls_ca():
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    return types.SimpleNamespace(ca=ca, cert=ca.issue_cert("localhost", "127.0.0.1"))


@pytest.fixture
def server_ctx(tls_ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.cert.configure_cert(context)
    return context


@pytest.fixture
def client_ctx(tls_ca):
    context = ssl.create_default_context()
    tls_ca.ca.configure_trust(context)
    return context
