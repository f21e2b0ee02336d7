"""Settings from environment variables, with embedded defaults that need nothing else."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path():
    """Where generated keys, databases, media and logs live (git ignores it)."""
    return Path(os.environ.get("STOREFRONT_INSTANCE", PROJECT_ROOT / "instance")).resolve()


def _secret_key(folder):
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = folder / "secret_key"
    if not key_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def tls_files():
    """The certificate and key `storefront serve --tls` uses: TLS_CERT_FILE and TLS_KEY_FILE,
    else the development pair `storefront tls self-signed` writes under instance/tls/."""
    folder = instance_path() / "tls"
    return (Path(os.environ.get("TLS_CERT_FILE") or folder / "cert.pem"),
            Path(os.environ.get("TLS_KEY_FILE") or folder / "key.pem"))


def _scheme():
    """PREFERRED_URL_SCHEME, refused unless http or https: a typo must not quietly leave the
    cookies without their Secure flag."""
    scheme = os.environ.get("PREFERRED_URL_SCHEME", "http").strip().lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"PREFERRED_URL_SCHEME must be http or https, not {scheme!r}")
    return scheme


def _flag(name):
    """A yes/no setting: 1, true, yes or on mean yes."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_environment():
    """Build the Flask config mapping from the environment."""
    folder = instance_path()
    https = _scheme() == "https"
    return {
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{folder / 'storefront.db'}"),
        "SECRET_KEY": _secret_key(folder),
        "SHOP_NAME": os.environ.get("SHOP_NAME", "Storefront"),
        # The shop's public address, for links in mail (never taken from a request's Host).
        "SHOP_URL": os.environ.get("SHOP_URL", "http://127.0.0.1:8000").rstrip("/"),
        "SHOP_PHONE": os.environ.get("SHOP_PHONE", "+1 555 0100"),
        "SHOP_COUNTRY": os.environ.get("SHOP_COUNTRY", "US"),
        "SMTP_URL": os.environ.get("SMTP_URL", "smtp://127.0.0.1:8025"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "shop@example.com"),
        # The mail worker: SMTP timeout, retry schedule (base × 2^(attempt-1), capped), the
        # attempts before a message is marked failed, and how long a claim (lease) lasts.
        "MAIL_SMTP_TIMEOUT": float(os.environ.get("MAIL_SMTP_TIMEOUT", "10")),
        "MAIL_RETRY_BASE_SECONDS": float(os.environ.get("MAIL_RETRY_BASE_SECONDS", "30")),
        "MAIL_RETRY_MAX_SECONDS": float(os.environ.get("MAIL_RETRY_MAX_SECONDS", "3600")),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_CLAIM_SECONDS": float(os.environ.get("MAIL_CLAIM_SECONDS", "600")),
        # The carrier's tracking page; {tracking_number} is replaced.
        "CARRIER_TRACKING_URL": os.environ.get(
            "CARRIER_TRACKING_URL", "https://www.fedex.com/fedextrack/?trknbr={tracking_number}"),
        "PROCESSOR_URL": os.environ.get("PROCESSOR_URL", "http://127.0.0.1:8100"),
        "PROCESSOR_PUBLIC_KEY_FILE": os.environ.get(
            "PROCESSOR_PUBLIC_KEY_FILE", str(folder / "processor" / "public.pem")),
        "PROCESSOR_TIMEOUT": float(os.environ.get("PROCESSOR_TIMEOUT", "5")),
        # https: every cookie Secure, HSTS, plain HTTP redirected (storefront/web/https.py).
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        # Number of proxies in front of the app whose X-Forwarded-* headers are trusted
        # (X-Forwarded-Proto from anyone else is ignored).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # Believe their X-Forwarded-Host too: only when the proxy sets it itself (nginx
        # passes a client's own through), else a client would choose the host (a co-brand).
        "TRUST_X_FORWARDED_HOST": _flag("TRUST_X_FORWARDED_HOST"),
        # HSTS covers the shop's subdomains too only when every one of them serves HTTPS.
        "HSTS_INCLUDE_SUBDOMAINS": _flag("HSTS_INCLUDE_SUBDOMAINS"),
        "SESSION_COOKIE_NAME": "sf_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "REMEMBER_COOKIE_NAME": "sf_remember",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        "VISITOR_COOKIE_NAME": "sf_visitor",
        "VISITOR_COOKIE_DAYS": 365,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "STAFF_IDLE_MINUTES": 15,
        "CATALOGUE_PAGE_SIZE": 24,
        "CACHE_SECONDS": int(os.environ.get("CACHE_SECONDS", "30")),
        # Reports withhold every figure that counts fewer people than this (P12).
        "REPORT_MIN_CELL": int(os.environ.get("REPORT_MIN_CELL", "10")),
        # Privacy (P8, P20): how long the request log keeps IP addresses, then the rows;
        # how long a one-click unsubscribe link in a mail keeps working.
        "PRIVACY_IP_DAYS": int(os.environ.get("PRIVACY_IP_DAYS", "90")),
        "REQUEST_LOG_DAYS": int(os.environ.get("REQUEST_LOG_DAYS", "365")),
        "UNSUBSCRIBE_LINK_DAYS": int(os.environ.get("UNSUBSCRIBE_LINK_DAYS", "365")),
        # P15: a policy version that adds a use takes effect at least this many days after it
        # is published, so everyone notified can opt out first.
        "POLICY_NOTICE_DAYS": int(os.environ.get("POLICY_NOTICE_DAYS", "30")),
        # The address mail to Customer Care arrives at (shown on the contact page).
        "CARE_EMAIL": os.environ.get("CARE_EMAIL", "care@example.com"),
        # Operators: /metrics answers this bearer token (none by default), and without it
        # only requests made on the server itself when PROXY_COUNT is 0; the log's level.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
    }
