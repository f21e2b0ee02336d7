"""`storefront partners …`: manage co-brand partners."""
import click


@click.group("partners")
def partners_group():
    """Manage co-brand partners."""
