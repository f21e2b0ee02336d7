"""`storefront privacy …`: retention (P8)."""
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from storefront.db import database, utcnow


@click.group("privacy")
def privacy_group():
    """Privacy: retention of the request log and the other technical records."""


@privacy_group.command("purge")
@with_appcontext
def purge():
    """Apply retention: request-log IPs after PRIVACY_IP_DAYS, its rows after
    REQUEST_LOG_DAYS, the IP of a cart idle for PRIVACY_IP_DAYS, sign-in attempts after 30
    days, expired sessions. Orders keep their IP. Run it daily (cron)."""
    from storefront.accounts import service as accounts
    from storefront.cart import service as cart
    from storefront.privacy import retention
    config, now = current_app.config, utcnow()
    with database.connection_context():
        try:
            log = retention.purge_request_log(now, config["PRIVACY_IP_DAYS"],
                                              config["REQUEST_LOG_DAYS"])
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        carts = cart.forget_idle_ips(now - timedelta(days=config["PRIVACY_IP_DAYS"]))
        attempts = accounts.purge_login_attempts(now)
        ended = accounts.purge_ended_sessions(
            now, timedelta(minutes=config["STAFF_IDLE_MINUTES"]))
    click.echo(f"request log: {_count(log.ips_emptied, 'IP')} emptied, "
               f"{_count(log.rows_deleted, 'row')} deleted; "
               f"idle carts: {_count(carts, 'IP')} emptied; "
               f"sign-in attempts: {attempts} deleted; expired sessions: {ended} deleted")


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"
