"""The development certificate (`storefront tls self-signed`) and `storefront serve --tls`
refusing what it cannot serve with: the pair parsed back, used in a real TLS handshake."""
import ipaddress
import os
import socket
import ssl
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID

from storefront.cli import main
from storefront.ops import tls


def _storefront(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _handshake(cert, key, server_hostname):
    """A TLS client trusting only cert connects to a server using the pair: the peer's
    certificate as the client saw it."""
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    ours, theirs = socket.socketpair()
    ours.settimeout(10)
    theirs.settimeout(10)
    with ours, theirs, ThreadPoolExecutor(max_workers=1) as pool:
        server = pool.submit(server_side.wrap_socket, theirs, server_side=True)
        try:
            with client_side.wrap_socket(ours, server_hostname=server_hostname) as client:
                return client.getpeercert()
        finally:
            try:
                server.result().close()
            except (ssl.SSLError, OSError):
                pass  # the client refused the certificate: the server's handshake fails too


@pytest.fixture
def pair(tmp_path):
    cert, key = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    result = _storefront("tls", "self-signed", "--cert", str(cert), "--key", str(key))
    assert result.exit_code == 0, result.output
    return cert, key, result.output


def test_the_pair_parses_back_for_localhost_and_127_0_0_1_for_90_days(pair):
    cert, key, output = pair
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    private_key = load_pem_private_key(key.read_bytes(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    assert private_key.curve.name == "secp256r1"
    assert certificate.public_key() == private_key.public_key()
    assert certificate.issuer == certificate.subject  # self-signed, and verifies as such
    certificate.verify_directly_issued_by(certificate)

    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]

    now = datetime.now(UTC)
    assert now - timedelta(minutes=10) < certificate.not_valid_before_utc <= now
    lifetime = certificate.not_valid_after_utc - now
    assert timedelta(days=89, hours=23) < lifetime <= timedelta(days=90)
    assert f"valid until {certificate.not_valid_after_utc:%Y-%m-%d}" in output


def test_only_the_owner_can_read_the_key(pair):
    cert, key, output = pair
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(cert.stat().st_mode) == 0o644  # the certificate is public
    assert stat.S_IMODE(key.parent.stat().st_mode) & 0o077 == 0
    assert "BEGIN" not in output  # the key is never printed
    assert [p.name for p in key.parent.iterdir()] in (["cert.pem", "key.pem"],
                                                     ["key.pem", "cert.pem"])


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_a_tls_client_trusting_the_certificate_connects_by_each_name(pair, name):
    cert, key, _ = pair
    peer = _handshake(cert, key, name)
    assert ("DNS", "localhost") in peer["subjectAltName"]


def test_a_tls_client_refuses_it_for_another_name(pair):
    cert, key, _ = pair
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        _handshake(cert, key, "shop.example.com")


def test_an_existing_pair_is_kept_unless_forced(pair):
    cert, key, _ = pair
    before = cert.read_bytes(), key.read_bytes()
    result = _storefront("tls", "self-signed", "--cert", str(cert), "--key", str(key))
    assert result.exit_code == 1 and "exists; --force replaces it" in result.output
    assert (cert.read_bytes(), key.read_bytes()) == before
    result = _storefront("tls", "self-signed", "--cert", str(cert), "--key", str(key),
                         "--force", "--name", "shop.test", "--days", "7")
    assert result.exit_code == 0, result.output
    assert key.read_bytes() != before[1] and stat.S_IMODE(key.stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(names) == [x509.DNSName("shop.test")]
    assert certificate.not_valid_after_utc - datetime.now(UTC) <= timedelta(days=7)
    _handshake(cert, key, "shop.test")


def test_by_default_the_pair_goes_where_serve_looks_for_it(tmp_path, monkeypatch):
    monkeypatch.setenv("STOREFRONT_INSTANCE", str(tmp_path))
    monkeypatch.delenv("TLS_CERT_FILE", raising=False)
    monkeypatch.delenv("TLS_KEY_FILE", raising=False)
    result = _storefront("tls", "self-signed")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tls" / "cert.pem").is_file() and (tmp_path / "tls" / "key.pem").is_file()
    assert "serve with: storefront serve --tls\n" in result.output


@pytest.mark.parametrize("name", ["bad name", "", "-x.example", "shop.example/x"])
def test_a_name_that_is_no_host_is_refused(tmp_path, name):
    result = _storefront("tls", "self-signed", "--cert", str(tmp_path / "c.pem"), "--key",
                         str(tmp_path / "k.pem"), "--name", name)
    assert result.exit_code == 2 and "neither a host name nor an IP address" in result.output
    assert list(tmp_path.iterdir()) == []


def test_serve_tls_refuses_a_missing_or_mismatched_pair(pair, tmp_path, monkeypatch):
    cert, key, _ = pair

    def not_here(*args):
        raise AssertionError(f"serve started gunicorn: {args}")

    monkeypatch.setattr(os, "execvp", not_here)
    monkeypatch.setenv("TLS_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("TLS_KEY_FILE", str(key))
    result = _storefront("serve", "--tls")
    assert result.exit_code == 1
    assert f"no TLS certificate at {tmp_path / 'none.pem'}" in result.output
    assert "storefront tls self-signed" in result.output

    other_cert, other_key = tmp_path / "other.pem", tmp_path / "other-key.pem"
    tls.write_pair(other_cert, other_key)
    result = _storefront("serve", "--tls", "--cert", str(cert), "--key", str(other_key))
    assert result.exit_code == 1 and "cannot serve HTTPS with" in result.output

    result = _storefront("serve", "--cert", str(cert))
    assert result.exit_code == 2 and "--cert and --key go with --tls" in result.output


@pytest.fixture
def gunicorn_started(pair, monkeypatch):
    """`storefront serve --tls` up to starting gunicorn: what it would run, with what
    environment (os.environ as it was when gunicorn would have taken over)."""
    cert, key, _ = pair
    started = {}

    def execvp(program, args):
        started.update(args=args, environ=dict(os.environ))

    monkeypatch.setattr(os, "execvp", execvp)
    monkeypatch.setenv("TLS_CERT_FILE", str(cert))
    monkeypatch.setenv("TLS_KEY_FILE", str(key))
    for name in ("SHOP_URL", "PREFERRED_URL_SCHEME"):
        monkeypatch.setenv(name, "")  # so that what serve sets is undone after the test
        monkeypatch.delenv(name)
    return started


@pytest.mark.parametrize("bind, shop_url", [
    ("127.0.0.1:8443", "https://127.0.0.1:8443"),
    ("localhost:8443", "https://localhost:8443"),
    ("[::1]:8443", "https://[::1]:8443"),
    ("shop.example.com", "https://shop.example.com:8000"),  # gunicorn's default port
])
def test_serve_tls_links_mail_to_the_address_it_serves(gunicorn_started, bind, shop_url):
    result = _storefront("serve", "--tls", "--bind", bind)
    assert result.exit_code == 0, result.output
    assert gunicorn_started["environ"]["SHOP_URL"] == shop_url
    assert gunicorn_started["environ"]["PREFERRED_URL_SCHEME"] == "https"
    assert f"links in mail point at {shop_url}" in result.output


@pytest.mark.parametrize("bind", ["0.0.0.0:8443", "[::]:8443", ":8443", "unix:/run/shop.sock"])
def test_serve_tls_on_every_address_needs_shop_url(gunicorn_started, monkeypatch, bind):
    """A wildcard bind says nothing of the name customers use: no https://0.0.0.0 in mail."""
    result = _storefront("serve", "--tls", "--bind", bind)
    assert result.exit_code == 1 and gunicorn_started == {}
    assert "set SHOP_URL to the shop's public address" in result.output
    monkeypatch.setenv("SHOP_URL", "https://shop.example.com")
    result = _storefront("serve", "--tls", "--bind", bind)
    assert result.exit_code == 0, result.output
    assert gunicorn_started["environ"]["SHOP_URL"] == "https://shop.example.com"
    assert "links in mail point at https://shop.example.com" in result.output
