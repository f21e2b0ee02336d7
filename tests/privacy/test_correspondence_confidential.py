"""P10: what a person writes to Customer Care stays with Customer Care. A co-brand customer
with an order writes twice (contact form and email), each message carrying a marker; then
every export and payload about them is produced, and the marker is in none of them."""
import json

import pytest

from storefront.fulfilment import service as fulfilment
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from storefront.partners import service as partners
from storefront.payments import gateway
from storefront.reports.views import PAGES
from storefront.support import replies
from storefront.support.models import Correspondence

from tests.factories import (REGISTRATION, STAFF_PASSWORD, add_to_cart, checkout, make_product,
                             make_staff, post_form, staff_sign_in)
from tests.fulfilment.test_fulfilment import RecordingCarrier
from tests.partners.conftest import make_partner

MARKER = "zq7-CONFIDENTIAL-MARKER-41x"


@pytest.fixture
def shop(app, db, processor, monkeypatch):
    """A customer of riverbooks' co-brand, with a shipped order paid by a saved card, and
    two messages to Customer Care; what left for the processor and the carrier, recorded."""
    partner = make_partner("riverbooks", name="Riverbooks")
    sent_to_processor = []
    authorize = gateway.ProcessorClient.authorize

    def recording_authorize(self, payload):
        sent_to_processor.append(payload)
        return authorize(self, payload)
    monkeypatch.setattr(gateway.ProcessorClient, "authorize", recording_authorize)

    shopper = app.test_client()
    shopper.get("/co/riverbooks/")
    assert post_form(shopper, "/account/register", REGISTRATION).status_code == 302
    add_to_cart(shopper, make_product(name="Brass Lamp", weight_grams=900))
    assert checkout(shopper, save="y").status_code == 302
    order = Order.get()
    assert order.partner_id == partner.id and order.customer.partner_id == partner.id

    for source, message_id in [(Correspondence.CONTACT_FORM, None),
                               (Correspondence.EMAIL, f"<{MARKER}@mail.example>")]:
        Correspondence.create(source=source, sender_name=f"Ada {MARKER}",
                              sender_email=order.customer.email, customer=order.customer,
                              subject=f"About my lamp {MARKER}",
                              body=f"Please keep this between us: {MARKER}.",
                              message_id=message_id)
    with app.test_request_context():  # care answers the first one, through the outbox
        replies.reply(Correspondence.select().order_by(Correspondence.id).first(),
                      make_staff("care"), f"Here is what we found: {MARKER}.",
                      shop_name=app.config["SHOP_NAME"], care_email=app.config["CARE_EMAIL"])

    carrier = RecordingCarrier()
    with app.test_request_context():
        fulfilment.ship(order, None, make_staff("fulfilment"),
                        gateway.ProcessorClient(processor.url), carrier,
                        "https://track.example/{tracking_number}")
    return {"partner": partner, "order": order, "processor": sent_to_processor,
            "carrier": carrier.requests}


def signed_in_staff(app, role, email, partner_slug=None):
    client = app.test_client()
    partners.add_staff(email, role.title(), [role], STAFF_PASSWORD, partner_slug)
    assert staff_sign_in(client, email).status_code == 302
    return client


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_messages_to_care_are_in_no_export_report_payload_or_mail(app, shop, monkeypatch):
    order = shop["order"]
    assert Correspondence.select().where(Correspondence.body.contains(MARKER)).count() == 2
    monkeypatch.setitem(app.config, "REPORT_MIN_CELL", 1)  # every figure shown
    produced = {}
    portal = signed_in_staff(app, "partner", "portal@riverbooks.example", "riverbooks")
    for path in ["/partner/export/customers.csv", "/partner/export/orders.csv",
                 "/partner/customers", f"/partner/customers/{order.customer_id}",
                 "/partner/orders", f"/partner/orders/{order.number}"]:
        produced[path] = fetch(portal, path)
    for page in PAGES:
        for path in [f"/staff/reports/partner/{page.slug}",
                     f"/staff/reports/partner/{page.slug}.csv"]:
            produced[path] = fetch(portal, path)
    admin = signed_in_staff(app, "admin", "admin@staff.example.com")
    for page in PAGES:
        for path in [f"/staff/reports/{page.slug}", f"/staff/reports/{page.slug}.csv"]:
            produced[path] = fetch(admin, path)
    produced["processor"] = json.dumps(shop["processor"])
    produced["carrier"] = json.dumps(shop["carrier"])
    # The reply itself is the one mail allowed to carry the marker: to the sender, and only it.
    [answer] = OutboxMessage.select().where(OutboxMessage.body_text.contains(MARKER))
    assert (answer.category, answer.recipient) == (replies.CATEGORY, order.customer.email)
    produced["outbox"] = json.dumps([list(row) for row in OutboxMessage.select()
                                     .where(OutboxMessage.id != answer.id).tuples()],
                                    default=str)

    # The exports really are about this customer and order...
    assert order.customer.email in produced["/partner/export/customers.csv"]
    assert order.number in produced["/partner/export/orders.csv"]
    assert "Lighting,1,1,2500" in produced["/staff/reports/sales.csv"]
    assert "Brass Lamp" in produced["/partner/export/orders.csv"]
    assert shop["processor"] and shop["carrier"]
    assert OutboxMessage.select().where(OutboxMessage.customer_id == order.customer_id).count() >= 2
    # ...and none carries what they wrote to Customer Care.
    leaks = [name for name, text in produced.items() if MARKER.lower() in text.lower()]
    assert leaks == []
