"""Two people with every kind of record the shop keeps, made the way shoppers make them: an
arrival through a tagged link, an account with its consent boxes and the notice of a coming
policy change, a shipped order paid with a saved card and holding a gift card, a cart left
full, a message to Customer Care, a failed and a good sign-in; and, made by staff, care's
reply and call notes, an audit event and a legal disclosure."""
from dataclasses import dataclass
from datetime import timedelta

import pytest

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.fulfilment import service as fulfilment
from storefront.marketing.models import CatalogueRequest, Contest, ContestEntry
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.privacy import publishing
from storefront.privacy.models import AuditEvent, Disclosure
from storefront.support.models import CallNote, CareReply, Correspondence
from tests.factories import (PASSWORD, add_to_cart, checkout, make_product, make_staff,
                             post_form, sign_in)
from tests.fulfilment.conftest import RecordingCarrier


@dataclass
class Someone:
    name: str
    email: str
    street: str
    city: str
    postal_code: str
    phone: str  # as typed
    e164: str  # as stored
    ref: str
    gift_to: str
    gift_email: str
    gift_message: str
    message: str  # to Customer Care
    customer: Customer = None
    client: object = None
    order: Order = None
    guest_order: Order = None

    def distinctive(self):
        """Strings that are this person's alone, to look for in what is produced."""
        strings = [self.name, self.email, self.street, self.e164, self.gift_message,
                   self.message, self.order.number]
        return strings + ([self.guest_order.number] if self.guest_order else [])


ADA = dict(name="Ada Quillfeather", email="ada.quill@example.com", street="12 Larkspur Road",
           city="Springfield", postal_code="62701", phone="(217) 555-0134", e164="+12175550134",
           ref="spring-mailing", gift_to="Grace Hopper", gift_email="grace@example.com",
           gift_message="Happy birthday from Larkspur!", message="My lamp flickers, Ada Q.")
BEA = dict(name="Bea Otherly", email="bea.otherly@example.org", street="77 Quince Lane",
           city="Chicago", postal_code="60614", phone="(312) 555-0177", e164="+13125550177",
           ref="autumn-banner", gift_to="Hal Brightwater", gift_email="hal@example.org",
           gift_message="Enjoy the rug, from Quince Lane", message="Bea asks about rugs.")


def details(person):
    return {"email": person.email, "phone": person.phone, "shipping-name": person.name,
            "shipping-line1": person.street, "shipping-city": person.city,
            "shipping-region": "IL", "shipping-postal_code": person.postal_code,
            "shipping-country": "US", "same_as_shipping": "y", "billing-country": "US",
            "method": "standard"}


def registration(person):
    return {"name": person.name, "email": person.email, "password": PASSWORD,
            "confirm": PASSWORD, "shipping-name": person.name, "shipping-line1": person.street,
            "shipping-city": person.city, "shipping-region": "IL",
            "shipping-postal_code": person.postal_code, "shipping-country": "US",
            "same_as_shipping": "y", "billing-country": "US", "day_phone": person.phone,
            "evening_phone": "", "shop_marketing": "y"}


def ship(app, order, processor, staff):
    """Ship the whole order, as the fulfilment page does: it is settled afterwards."""
    with app.test_request_context():
        fulfilment.ship(order, None, staff, gateway.ProcessorClient(processor.url),
                        RecordingCarrier(), "https://track.example/{tracking_number}")


def latest_order():
    return Order.select().order_by(Order.id.desc()).get()


@pytest.fixture
def make_someone(app, db, processor):
    """make_someone(ADA, guest_order=True): the person with all their records (a guest
    order under their address first, before they open the account, when asked)."""
    lamp = make_product(name="Larkspur Lamp", price_cents=4000)
    rug = make_product(name="Quince Rug", price_cents=9000)
    legal = make_staff("legal")
    shipper = make_staff("fulfilment")
    care = make_staff("care")
    with app.test_request_context():  # a new use announced: each new account is told of it
        publishing.publish("2", "We will mail product updates.", "", "update_mail",
                           utcnow() + timedelta(days=40), legal.id, ())

    def make(fields, guest_order=False):
        person = Someone(**fields)
        client = person.client = app.test_client()
        client.get(f"/?ref={person.ref}")
        client.get("/")
        if guest_order:
            add_to_cart(client, rug)
            assert checkout(client, details=details(person),
                            holder=person.name).status_code == 302
            person.guest_order = latest_order()
        assert post_form(client, "/account/register", registration(person)).status_code == 302
        person.customer = Customer.get(Customer.email_key == person.email)
        add_to_cart(client, lamp)
        assert post_form(client, "/gift-cards/", {
            "amount": "5000", "other_amount": "", "recipient_name": person.gift_to,
            "recipient_email": person.gift_email, "sender_name": person.name,
            "message": person.gift_message}).status_code == 302
        assert checkout(client, details=details(person), holder=person.name,
                        save="y").status_code == 302
        person.order = latest_order()
        ship(app, person.order, processor, shipper)
        add_to_cart(client, rug)
        assert post_form(client, "/gift-cards/", {
            "amount": "2500", "other_amount": "", "recipient_name": person.gift_to,
            "recipient_email": person.gift_email, "sender_name": person.name,
            "message": person.gift_message}).status_code == 302
        assert post_form(client, "/contact", {
            "name": person.name, "email": person.email, "subject": "My lamp",
            "body": person.message}).status_code == 302
        # Until the marketing forms exist: a catalogue request and a contest entry.
        CatalogueRequest.create(kind="shipping", name=person.name, line1=f"{person.ref} Lane",
                                city="Springfield", postal_code="62701", country="US",
                                email=person.email, address_key=f"{person.ref} lane",
                                ip="10.0.0.8")
        contest = Contest.get_or_none() or Contest.create(
            title="Lamp contest", slug="lamps", starts_at=utcnow(), ends_at=utcnow())
        ContestEntry.create(contest=contest, email=person.email,
                            email_key=person.email.lower(), zip_code="62701",
                            age_band="35-44", income_band="50-75k", ip="10.0.0.9")
        CareReply.create(correspondence=Correspondence.get(sender_email=person.email),
                         staff=care, body=f"We will send {person.name} a new lamp.")
        CallNote.create(customer=person.customer, staff=care,
                        body=f"{person.name} called about the lamp.")
        CallNote.create(order=person.order, staff=care,
                        body=f"{person.name} asked to leave it with a neighbour.")
        elsewhere = app.test_client()
        assert sign_in(elsewhere, person.email, "not the password").status_code == 400
        assert sign_in(elsewhere, person.email).status_code == 302
        AuditEvent.create(staff_id=legal.id, action=AuditEvent.VIEWED,
                          customer_id=person.customer.id, email_key=person.email,
                          what="customer page", ip="10.0.0.7")
        Disclosure.create(customer_id=person.customer.id, email_key=person.email,
                          authority="County Court", case_reference=f"CASE-{person.ref}",
                          legal_basis="A court order", staff_id=legal.id)
        return person
    return make
