"""`storefront serve`: the shop under gunicorn, over HTTP or, with --tls, HTTPS."""
import ipaddress
import os
import sys
from pathlib import Path

import click

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def _tls_pair(cert, key):
    """The certificate and key to serve with (TLS_CERT_FILE and TLS_KEY_FILE by default),
    checked once here rather than by every worker."""
    import ssl

    from storefront.config import tls_files
    default_cert, default_key = tls_files()
    cert, key = cert or default_cert, key or default_key
    for what, path in (("certificate", cert), ("key", key)):
        if not path.is_file():
            raise click.ClickException(
                f"no TLS {what} at {path}: make a development pair with `storefront tls "
                "self-signed`, or point TLS_CERT_FILE and TLS_KEY_FILE at yours")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as error:
        raise click.ClickException(f"cannot serve HTTPS with {cert} and {key}: {error}") from None
    return cert, key


def https_url_of(bind):
    """https://host:port for a gunicorn bind naming one host; None for a bind that names no
    address customers could use: every address (0.0.0.0, ::) or a socket."""
    from gunicorn.util import parse_address
    try:
        address = parse_address(bind)
    except RuntimeError:
        return None
    if not isinstance(address, tuple) or address[0] in WILDCARD_HOSTS:
        return None
    host, port = address
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"https://{host}:{port}"


def _https_settings(bind):
    """For --tls: PREFERRED_URL_SCHEME=https and a SHOP_URL (links in mail, the HTTPS
    redirect's host), unless the environment sets them. A bind on every address says nothing
    of the name customers reach the shop by, so it needs SHOP_URL set."""
    os.environ.setdefault("PREFERRED_URL_SCHEME", "https")
    if not os.environ.get("SHOP_URL"):
        shop_url = https_url_of(bind)
        if shop_url is None:
            raise click.ClickException(
                f"--bind {bind} names no host customers could reach the shop at (it is "
                "every address, or a socket): set SHOP_URL to the shop's public address "
                "(https://shop.example.com), or bind one host name or address")
        os.environ["SHOP_URL"] = shop_url
    return os.environ["SHOP_URL"]


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", type=int, default=None, help="Default: 2 per core, plus one.")
@click.option("--tls", is_flag=True, help="Serve HTTPS (with TLS_CERT_FILE and TLS_KEY_FILE "
              "unless --cert and --key say otherwise); the shop's scheme becomes https.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --tls: the certificate, PEM (with its chain).")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --tls: its private key, PEM.")
def serve(bind, workers, tls, cert, key):
    """Serve the shop with gunicorn (the same settings `make run` and the benchmark use)."""
    from storefront.config import PROJECT_ROOT, instance_path
    if (cert or key) and not tls:
        raise click.UsageError("--cert and --key go with --tls")
    args = ["gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py"), "--chdir",
            str(PROJECT_ROOT), "--bind", bind]
    shop_url = None
    if tls:
        cert, key = _tls_pair(cert, key)
        args += ["--certfile", str(cert), "--keyfile", str(key)]
        # The workers read these when they build the app: Secure cookies, HSTS, links in mail.
        shop_url = _https_settings(bind)
    if workers:
        args += ["--workers", str(workers)]
    logins = instance_path() / "demo-logins.txt"
    if logins.exists():
        click.echo(logins.read_text())
    click.secho(f"Storefront is at {'https' if tls else 'http'}://{bind}/  (Ctrl-C stops it)",
                bold=True)
    if shop_url:
        click.echo(f"links in mail point at {shop_url} (SHOP_URL)")
    os.execvp(sys.executable, [sys.executable, "-m", *args, "wsgi:app"])
