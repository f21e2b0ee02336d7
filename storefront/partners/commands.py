"""`storefront partners …`: manage co-brand partners."""
import click
from flask.cli import with_appcontext

from storefront.db import database


@click.group("partners")
def partners_group():
    """Manage co-brand partners."""


@partners_group.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The partner's name, shown in its frame.")
@click.option("--privacy-url", required=True, help="The partner's own privacy policy.")
@click.option("--frame", type=click.Choice(["top", "bottom"]), default="top", show_default=True,
              help="Where the partner's frame is drawn.")
@click.option("--host", "hosts", multiple=True, help="A host name of the partner's (repeatable).")
@click.option("--logo", default="", help="An image file in themes/SLUG/static/.")
@click.option("--no-both-logos", is_flag=True, help="Show the partner's logo only.")
@with_appcontext
def partners_add(slug, name, privacy_url, frame, hosts, logo, no_both_logos):
    """Add a partner; its look is the folder themes/SLUG/ (the default frame without one)."""
    from storefront.partners.service import PartnerError, add_partner
    with database.connection_context():
        try:
            partner = add_partner(slug, name, privacy_url, frame, hosts, logo,
                                  show_both_logos=not no_both_logos)
        except PartnerError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"partner {partner.slug} added: entry link /co/{partner.slug}/")


@partners_group.command("list")
@with_appcontext
def partners_list():
    """List partners: slug, frame, hosts, whether active, name."""
    from storefront.partners.models import Partner
    with database.connection_context():
        for partner in Partner.select().order_by(Partner.slug):
            click.echo(f"{partner.slug:<20} {partner.frame:<7} "
                       f"{'active' if partner.is_active else 'inactive':<9} "
                       f"{partner.hosts or '-':<30} {partner.name}")
