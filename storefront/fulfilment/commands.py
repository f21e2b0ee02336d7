"""`storefront orders …`: ship and settle orders from the command line (the same services
the fulfilment pages call)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from storefront.db import database


@click.group("orders")
def orders_group():
    """Ship and settle orders."""


@orders_group.command("ship")
@click.argument("number")
@click.option("--lines", "lines", multiple=True,
              help="A line to ship, by SKU or line id (repeat it); all waiting lines if none.")
@with_appcontext
def ship_command(number, lines):
    """Ship an order's waiting lines: the carrier is called, the card captured, mails queued."""
    from storefront.fulfilment import service
    from storefront.fulfilment.carrier import carrier_for
    from storefront.orders import service as orders
    from storefront.payments import gateway
    with database.connection_context():
        order = orders.order_by_number(number)
        if order is None:
            raise click.ClickException(f"no order {number}")
        line_ids = None
        if lines:
            by_key = {}
            for line in orders.lines_of(order):
                by_key[str(line.id)] = by_key[line.sku] = line.id
            unknown = [key for key in lines if key not in by_key]
            if unknown:
                raise click.ClickException(f"not lines of {order.number}: {', '.join(unknown)}")
            line_ids = [by_key[key] for key in lines]
        try:
            shipped = service.ship(order, line_ids, None,
                                   gateway.client_from_config(current_app.config),
                                   carrier_for(current_app),
                                   current_app.config["CARRIER_TRACKING_URL"])
        except (service.FulfilmentError, gateway.PaymentError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"shipped {order.number}: tracking number {shipped.shipment.tracking_number}")
    if shipped.settle_error:
        click.echo(f"settling failed ({shipped.settle_error}): run `storefront orders settle "
                   f"{order.number}` later", err=True)


@orders_group.command("settle")
@click.argument("number", required=False)
@click.option("--all", "every", is_flag=True,
              help="Every order whose lines are all final but that is not settled; run it "
                   "from cron.")
@with_appcontext
def settle_command(number, every):
    """Settle an order whose lines are all final: capture what it owes, release the rest,
    restore unused gift card value (after a capture or void that failed earlier)."""
    from storefront.fulfilment import service
    from storefront.orders import service as orders
    from storefront.payments import gateway
    if bool(number) == every:
        raise click.UsageError("give an order number, or --all")
    processor = gateway.client_from_config(current_app.config)
    with database.connection_context():
        if every:
            targets = service.unsettled()
        else:
            order = orders.order_by_number(number)
            if order is None:
                raise click.ClickException(f"no order {number}")
            targets = [order]
        failed = False
        for order in targets:
            try:
                done = service.settle_if_complete(order, processor)
            except (service.FulfilmentError, gateway.PaymentError) as error:
                click.echo(f"{order.number}: {error}", err=True)
                failed = True
                continue
            click.echo(f"{order.number} settled" if done else
                       f"{order.number}: nothing to settle")
    if failed:
        raise click.ClickException("some orders could not be settled; try again later")
