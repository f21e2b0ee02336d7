"""`storefront care …`: receive and import mail sent to the care address (the same service
the SMTP receiver and the tests call)."""
import mailbox

import click
from flask import current_app
from flask.cli import with_appcontext

from storefront.db import database


@click.group("care")
def care_group():
    """Customer Care: mail to the care address."""


@care_group.command("receive-mail")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8026, show_default=True)
@with_appcontext
def receive_mail(host, port):
    """Receive mail for CARE_EMAIL over SMTP into the care inbox, until Ctrl-C or SIGTERM;
    other recipients are refused."""
    from storefront.support import receiver
    receiver.serve(current_app.config["CARE_EMAIL"], host, port, announce=click.echo)


@care_group.command("import-mail")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--mbox", is_flag=True, help="Each FILE is an mbox holding many messages.")
@with_appcontext
def import_mail(files, mbox):
    """Put messages into the care inbox: .eml files, mbox files with --mbox, or '-' for one
    message on standard input. A message already in the inbox is not stored twice."""
    from storefront.support.inbound import UnusableMessage
    from storefront.support.service import receive_email
    if mbox and "-" in files:
        raise click.UsageError("--mbox reads files; '-' takes one message on standard input")
    totals = {"stored": 0, "already there": 0, "skipped": 0}
    with database.connection_context():
        for label, content in _messages(files, mbox):
            try:
                row, created = receive_email(content)
            except UnusableMessage as error:
                totals["skipped"] += 1
                click.echo(f"{label}: skipped, {error}", err=True)
                continue
            totals["stored" if created else "already there"] += 1
            state = "stored" if created else "already in the inbox"
            click.echo(f"{label}: {state} as #{row.id} from {row.sender_email}")
    click.echo(", ".join(f"{what} {count}" for what, count in totals.items()))


def _messages(files, mbox):
    """(label, bytes) for every message in the files."""
    for name in files:
        if mbox:
            box = mailbox.mbox(name, create=False)
            try:
                for number, key in enumerate(box.keys(), 1):
                    yield f"{name} #{number}", box.get_bytes(key)
            finally:
                box.close()
        else:
            with click.open_file(name, "rb") as fh:  # '-' is standard input
                yield "stdin" if name == "-" else name, fh.read()
