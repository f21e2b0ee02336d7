"""The public security page (/security): what the shop does to keep cards, accounts and
records safe, with its figures taken from the settings and rules the code runs on, so the
page changes when they do."""
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from storefront.accounts import sessions, throttle
from storefront.accounts import staff as staff_accounts
from storefront.accounts.current import FRESH_MINUTES

bp = Blueprint("security", __name__, template_folder="templates")


def _minutes(delta):
    return int(delta.total_seconds() // 60)


@dataclass(frozen=True)
class Facts:
    """The figures the page states."""

    https: bool
    failures_per_account: int
    failures_per_ip: int
    throttle_minutes: int
    staff_lock_after: int
    staff_lock_minutes: int
    staff_idle_minutes: int
    customer_idle_hours: int
    remembered_days: int
    fresh_minutes: int
    ip_days: int
    request_log_days: int
    sign_in_days: int


def facts(config):
    """The page's figures from the configuration and the account rules."""
    return Facts(
        https=config["PREFERRED_URL_SCHEME"] == "https",
        failures_per_account=throttle.MAX_FAILURES_PER_ACCOUNT,
        failures_per_ip=throttle.MAX_FAILURES_PER_IP,
        throttle_minutes=_minutes(throttle.WINDOW),
        staff_lock_after=staff_accounts.STAFF_LOCK_AFTER,
        staff_lock_minutes=_minutes(staff_accounts.STAFF_LOCK_FOR),
        staff_idle_minutes=config["STAFF_IDLE_MINUTES"],
        customer_idle_hours=_minutes(sessions.CUSTOMER_IDLE) // 60,
        remembered_days=sessions.REMEMBERED_FOR.days,
        fresh_minutes=FRESH_MINUTES,
        ip_days=config["PRIVACY_IP_DAYS"],
        request_log_days=config["REQUEST_LOG_DAYS"],
        sign_in_days=throttle.RETENTION.days,
    )


@bp.get("/security")
def page():
    """How the shop protects cards, accounts and records."""
    return render_template("security/page.html", facts=facts(current_app.config))
