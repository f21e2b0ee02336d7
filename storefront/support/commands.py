"""`storefront care …`: receive and import mail sent to the care address."""
import click


@click.group("care")
def care_group():
    """Customer Care: mail to the care address."""
