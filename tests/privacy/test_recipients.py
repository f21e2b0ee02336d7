"""Third-party payloads are derived from the data inventory (P13, P10): every key of what
the carrier, the payment company and a partner receive is declared next to its builder,
and the inventory allows that recipient every personal field it carries; nothing of the
category correspondence goes to anyone."""
import csv
import io

import pytest

from storefront.fulfilment import carrier
from storefront.payments import gateway
from storefront.portal import export
from storefront.privacy import inventory
from storefront.privacy.inventory import CARRIER, CORRESPONDENCE, PARTNER, PROCESSOR

from tests.factories import address


def flat_keys(payload, prefix=""):
    """A nested payload's keys, nested ones as "outer.inner"."""
    keys = []
    for key, value in payload.items():
        if isinstance(value, dict):
            keys += flat_keys(value, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


def header(text):
    return next(csv.reader(io.StringIO(text)))


def payloads():
    """(name, recipient, declaration, the keys the builder really produces)."""
    return [
        ("carrier shipment", CARRIER, carrier.SHIPMENT_FIELDS,
         flat_keys(carrier.shipment_request(address(line2="Flat 2"), "+12175550134", 1200))),
        ("processor authorization", PROCESSOR, gateway.AUTHORIZATION_FIELDS,
         flat_keys(gateway.authorization_request("v1.sealed", 12, 2030, 2500, "K7QM-3XPD",
                                                 "62701", cvv="123"))),
        ("partner customers.csv", PARTNER, export.CUSTOMER_COLUMNS,
         header(export.customers_csv([]))),
        ("partner orders.csv", PARTNER, export.ORDER_COLUMNS, header(export.orders_csv([]))),
    ]


PAYLOADS = payloads()
IDS = [payload[0] for payload in PAYLOADS]


@pytest.mark.parametrize("name, recipient, declaration, keys", PAYLOADS, ids=IDS)
def test_every_key_of_the_payload_is_declared(name, recipient, declaration, keys):
    assert keys == list(declaration), f"{name}: declare each key next to its builder"


@pytest.mark.parametrize("name, recipient, declaration, keys", PAYLOADS, ids=IDS)
def test_the_inventory_allows_the_recipient_every_field_it_gets(name, recipient, declaration,
                                                                  keys):
    carried = [field for key in keys for field in declaration[key]]
    assert carried, f"{name} carries nothing personal? Then it needs no declaration"
    assert inventory.undeclared_for(recipient, carried) == []


@pytest.mark.parametrize("name, recipient, declaration, keys", PAYLOADS, ids=IDS)
def test_no_payload_carries_correspondence(name, recipient, declaration, keys):
    items = inventory.declared()
    categories = {items[field].category for fields in declaration.values() for field in fields}
    assert CORRESPONDENCE not in categories


def test_no_recipient_may_have_any_correspondence():
    correspondence = [name for item in inventory.ITEMS if item.category == CORRESPONDENCE
                      for name in item.names()]
    assert "Correspondence.body" in correspondence and "OutboxMessage.body_text" in correspondence
    for recipient in inventory.RECIPIENTS:
        assert inventory.undeclared_for(recipient, correspondence) == correspondence


def test_the_check_refuses_what_a_recipient_may_not_have():
    # The carrier gets no email or card, the processor no street, a partner no street nor
    # card; an undeclared name is refused to everyone.
    assert inventory.undeclared_for(CARRIER, ["PostalAddress.city", "Customer.email",
                                              "SavedCard.sealed", "Order.email"]) == \
        ["Customer.email", "SavedCard.sealed", "Order.email"]
    assert inventory.undeclared_for(PROCESSOR, ["PostalAddress.postal_code",
                                                "PostalAddress.line1"]) == \
        ["PostalAddress.line1"]
    assert inventory.undeclared_for(PARTNER, ["PostalAddress.line1", "Order.card_last_four",
                                              "Order.ip", "Customer.email"]) == \
        ["PostalAddress.line1", "Order.card_last_four", "Order.ip"]
    assert inventory.undeclared_for(inventory.LEGAL, ["Customer.shoe_size"]) == \
        ["Customer.shoe_size"]

