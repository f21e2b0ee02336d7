"""`storefront marketing …`: the batch step that queues campaigns (P7)."""
import click
from flask.cli import with_appcontext

from storefront.db import database


@click.group("marketing")
def marketing_group():
    """Marketing: campaigns."""


@marketing_group.command("send-campaigns")
@click.option("--once", is_flag=True, help="Queue every campaign being sent, then exit.")
@click.option("--batch", type=click.IntRange(1, 10_000), default=200, show_default=True,
              help="Mails queued per transaction.")
@click.option("--poll", type=click.FloatRange(0.05, 3600), default=5.0, show_default=True,
              help="Seconds to wait when no campaign is being sent.")
@with_appcontext
def send_campaigns(once, batch, poll):
    """Queue the mails of the campaigns staff sent, a batch at a time, into the outbox (the
    mail worker delivers them), until SIGTERM or Ctrl-C, which stop it between batches."""
    import signal
    import threading

    from storefront.marketing import campaigns
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGTERM, signal.SIGINT)}
    total = 0
    try:
        while not stop.is_set():
            with database.connection_context():
                queued = campaigns.send_pending(batch)
            total += queued
            if queued:
                click.echo(f"queued {queued}")
            elif once:
                break
            else:
                stop.wait(poll)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"campaign sender stopped: queued {total}")
