"""A development certificate for `storefront serve --tls`: self-signed, made with cryptography.

The pair is for a developer's machine and the tests. Browsers warn about it (no authority
vouches for it) and ignore HSTS sent with it; production uses a certificate from a real
authority, on the TLS proxy or through TLS_CERT_FILE and TLS_KEY_FILE.
"""
import ipaddress
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
DEFAULT_DAYS = 90
MAX_DAYS = 398  # the longest browsers accept for a server certificate
HOST_NAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*", re.IGNORECASE)


class TlsFileError(Exception):
    """The pair cannot be written where asked; the message says why."""


def _general_name(name):
    """An IP address entry for an address, a DNS entry for a host name; ValueError else."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        if not HOST_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is neither a host name nor an IP address") from None
        return x509.DNSName(name.lower())


def _check_names(context, parameter, names):
    """Refuse a --name that is neither a host name nor an IP address."""
    for name in names:
        try:
            _general_name(name)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return names


def self_signed(names=DEFAULT_NAMES, days=DEFAULT_DAYS, now=None):
    """A new P-256 key and a certificate for names signed with it: (certificate, key) as PEM."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Storefront development"),
                         x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    public_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # a clock a little behind still accepts it
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(public_id, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(public_id),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def _write(path, data, mode):
    """Write through a temporary file in the same folder, created with its final mode, so
    the key is never readable by others, not even for a moment, and a reader never sees half."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_pair(cert_path, key_path, names=DEFAULT_NAMES, days=DEFAULT_DAYS, replace=False):
    """Make a pair and write it: the key readable by its owner only (0600). An existing file
    is kept unless replace is true. Returns the certificate."""
    cert_path, key_path = Path(cert_path), Path(key_path)
    if not replace:
        for path in (cert_path, key_path):
            if path.exists():
                raise TlsFileError(f"{path} exists; --force replaces it")
    certificate_pem, key_pem = self_signed(tuple(names), days)
    for path in (cert_path, key_path):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write(key_path, key_pem, 0o600)
    _write(cert_path, certificate_pem, 0o644)
    return x509.load_pem_x509_certificate(certificate_pem)


@click.group("tls")
def tls_group():
    """HTTPS: a development certificate for `storefront serve --tls`."""


@tls_group.command("self-signed")
@click.option("--cert", "cert_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Default: TLS_CERT_FILE, else instance/tls/cert.pem.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Default: TLS_KEY_FILE, else instance/tls/key.pem.")
@click.option("--name", "names", multiple=True, metavar="HOST", callback=_check_names,
              help="A host name or IP address it is for (repeat it); default: "
              + ", ".join(DEFAULT_NAMES) + ".")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS,
              show_default=True, help="How long it is valid.")
@click.option("--force", is_flag=True, help="Replace an existing pair.")
def tls_self_signed(cert_path, key_path, names, days, force):
    """Make a self-signed certificate and its key for development (never for production)."""
    from storefront.config import tls_files
    default_cert, default_key = tls_files()
    cert_path, key_path = cert_path or default_cert, key_path or default_key
    try:
        certificate = write_pair(cert_path, key_path, names or DEFAULT_NAMES, days, force)
    except TlsFileError as error:
        raise click.ClickException(str(error)) from None
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":").upper()
    click.echo(f"certificate: {cert_path.resolve()}\nkey (mode 0600): {key_path.resolve()}")
    click.echo(f"for {', '.join(names or DEFAULT_NAMES)}, valid until "
               f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    click.echo(f"SHA-256 fingerprint: {fingerprint}")
    chosen = "" if (cert_path, key_path) == (default_cert, default_key) else \
        f" --cert {cert_path} --key {key_path}"
    click.echo(f"serve with: storefront serve --tls{chosen}")
