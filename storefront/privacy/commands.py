"""`storefront privacy …`: retention (P8)."""
import click


@click.group("privacy")
def privacy_group():
    """Privacy: retention of the request log."""
