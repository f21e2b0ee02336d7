"""Partner fixtures: the two demo co-brands, one framed at the top and one at the bottom."""
import pytest

from storefront.partners import service


def make_partner(slug="riverbooks", **overrides):
    fields = {"name": slug.title(), "privacy_url": f"https://{slug}.example/privacy",
              "frame": "top", "hosts": [f"shop.{slug}.example"], "logo": ""}
    fields.update(overrides)
    return service.add_partner(slug, **fields)


@pytest.fixture
def riverbooks(db):
    return make_partner("riverbooks", name="Riverbooks", logo="logo.svg")


@pytest.fixture
def northwind(db):
    return make_partner("northwind", name="Northwind Outfitters", frame="bottom",
                        logo="logo.svg")
