"""The `storefront` command: migrate, seed, staff, processor, payments, worker, mail, and
the groups of the packages (serve, backup and tls are the operators', in storefront/ops/)."""
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

from storefront.accounts.models import STAFF_ROLES
from storefront.db import database
from storefront.fulfilment.commands import orders_group
from storefront.marketing.commands import marketing_group
from storefront.ops.backup_commands import backup_group
from storefront.ops.serve_commands import serve
from storefront.ops.tls import tls_group
from storefront.partners.commands import partners_group
from storefront.privacy.commands import privacy_group
from storefront.support.commands import care_group


def _create_app():
    from storefront import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """Storefront: run and manage the shop."""


@click.command()
@with_appcontext
def migrate():
    """Apply pending schema migrations."""
    from storefront import schema
    with database:
        applied = schema.migrate(database.obj)
    click.echo("\n".join(f"applied {name}" for name in applied) or "schema is up to date")


@click.command()
@click.option("--products", type=click.IntRange(1, 2_000_000), default=None,
              help="Build a large generated catalogue of this many products (benchmarks).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the shop already has products.")
@with_appcontext
def seed(products, if_empty):
    """Build the demo shop (or, with --products, a large catalogue)."""
    from flask import current_app

    from storefront import demo
    from storefront.catalogue.models import Product
    with database.connection_context():
        if if_empty and Product.select().exists():
            click.echo("the shop already has products; not seeding")
            return
        if products:
            demo.seed_bulk(products, progress=lambda done: click.echo(
                f"\r{done:,}/{products:,} products", nl=False))
            click.echo()
        else:
            logins = demo.seed_demo(current_app.config["INSTANCE_PATH"])
            click.echo(f"demo shop seeded; logins are in {logins}")


@click.group()
def staff():
    """Manage staff accounts."""


@staff.command("add")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(STAFF_ROLES))
@click.option("--name", default="")
@click.option("--partner", "partner_slug", default=None,
              help="With --role partner (alone): the partner whose portal the account sees.")
@click.option("--temporary", is_flag=True,
              help="The password is for someone else: they must choose their own at their "
              "first sign-in.")
@click.password_option(help="At least 12 characters; prompted for when not given.")
@with_appcontext
def staff_add(email, roles, name, partner_slug, temporary, password):
    """Add a staff account with one or more roles."""
    from storefront.partners.service import PartnerError, add_staff
    with database.connection_context():
        try:
            member = add_staff(email, name, roles, password, partner_slug,
                               must_change_password=temporary)
        except PartnerError as error:
            raise click.ClickException(str(error)) from None
    tied = f" for partner {partner_slug}" if partner_slug else ""
    then = "; the password must be changed at the first sign-in" if temporary else ""
    click.echo(f"staff account {member.email} created with roles: {member.roles}{tied}{then}")


@staff.command("list")
@with_appcontext
def staff_list():
    """List staff accounts with their roles and whether they are locked."""
    from flask import current_app

    from storefront.accounts.models import StaffUser
    from storefront.accounts.staff import staff_locked_until
    with database.connection_context():
        for member in StaffUser.ordered():
            locked = staff_locked_until(member, current_app.config["SECRET_KEY"])
            click.echo(f"{member.email:<40} {member.roles:<30} {'LOCKED' if locked else 'active'}")


@staff.command("unlock")
@click.argument("email")
@with_appcontext
def staff_unlock(email):
    """Unlock a staff account locked after failed sign-ins (when no admin can sign in)."""
    from flask import current_app

    from storefront.accounts.models import StaffUser
    from storefront.accounts.service import email_key
    from storefront.accounts.staff import unlock_staff
    with database.connection_context():
        member = StaffUser.by_email_key(email_key(email))
        if member is None:
            raise click.ClickException(f"no staff account for {email}")
        unlock_staff(member, current_app.config["SECRET_KEY"])
    click.echo(f"{member.email} is unlocked")


@click.group()
def processor():
    """The sandbox payment company: its own keys and process, no shop database needed."""


_keys_option = click.option(
    "--keys", "keys_dir", type=click.Path(file_okay=False, path_type=Path),
    envvar="PROCESSOR_HOME", help="Key directory (default: $PROCESSOR_HOME, else "
    "instance/processor/).")


@processor.command("keygen")
@_keys_option
def processor_keygen(keys_dir):
    """Generate the processor's key pair unless there is one; say where the public key is."""
    from storefront.processor import keys
    try:
        public = keys.generate(keys_dir or keys.default_home()).resolve()
    except keys.KeyFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"The processor's public key is {public}")
    click.echo(f"The shop finds it with: export PROCESSOR_PUBLIC_KEY_FILE={public}")


@processor.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8100, show_default=True)
@_keys_option
def processor_serve(host, port, keys_dir):
    """Serve the sandbox processor (generating its keys when missing) until Ctrl-C or SIGTERM."""
    from storefront.processor import keys, server
    try:
        server.serve(host, port, (keys_dir or keys.default_home()).resolve(), announce=click.echo)
    except keys.KeyFileError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def payments():
    """Payments at the processor."""


@payments.command("sweep")
@click.option("--minutes", type=click.IntRange(1, 7 * 24 * 60), default=30, show_default=True,
              help="Only attempts older than this.")
@with_appcontext
def payments_sweep(minutes):
    """Void the authorizations of payment attempts that left no order (a worker killed while
    paying); run it from cron, or after a crash."""
    from datetime import timedelta

    from flask import current_app

    from storefront.orders.models import Order
    from storefront.payments import attempts, gateway

    def placed_numbers(numbers):
        return [order.number for order in
                Order.select(Order.number).where(Order.number.in_(numbers))]

    with database.connection_context():
        released = attempts.sweep(gateway.client_from_config(current_app.config),
                                  placed_numbers, timedelta(minutes=minutes))
    click.echo("\n".join(f"released {number}" for number in released)
               or "no abandoned payment attempts")


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--batch", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Messages claimed at a time.")
@click.option("--poll", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@with_appcontext
def worker(once, batch, poll):
    """Deliver the mail outbox over SMTP (SMTP_URL) until SIGTERM or Ctrl-C, which stop it
    after the message being sent."""
    import signal
    import threading

    from flask import current_app

    from storefront.mail import delivery
    settings = delivery.Settings.for_app(current_app)
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGTERM, signal.SIGINT)}

    def report(outcome):
        click.echo(", ".join(f"{what} {count}" for what, count in sorted(outcome.items())))

    if not once:
        click.echo(f"mail worker delivering to {settings.smtp_url}")
    try:
        with database.connection_context():
            totals = delivery.run(settings, stop, batch=batch, poll=poll, once=once,
                                  report=report)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"mail worker stopped: sent {totals['sent']}, to retry {totals['retry']}, "
               f"failed {totals['failed']}")


@click.group()
def mail():
    """Mail: a local SMTP sink for development."""


@mail.command("sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8025, show_default=True)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where messages are kept (default: instance/mail/).")
def mail_sink(host, port, directory):
    """Receive mail over SMTP and keep each message as an .eml file, until Ctrl-C or SIGTERM."""
    from storefront.config import instance_path
    from storefront.mail import sink
    sink.serve(host, port, directory or instance_path() / "mail", announce=click.echo)


COMMANDS = (migrate, seed, staff, serve, processor, payments, worker, mail, orders_group,
            partners_group, privacy_group, care_group, marketing_group, backup_group, tls_group)


def register_commands(app):
    """Make the commands available as `flask --app wsgi ...` too."""
    for command in COMMANDS:
        app.cli.add_command(command)


for _command in COMMANDS:
    main.add_command(_command)
