"""Marketing mail asks the consent ledger twice (P7, P20): when it is queued and again just
before it is sent, so a withdrawal that arrives in between stops it."""
import threading
from dataclasses import replace

from storefront.mail import delivery
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent, mailing

from tests.factories import make_customer

SHOP, PARTNER = consent.SHOP_MARKETING, consent.PARTNER_OFFERS


def offer(app, recipient, purpose=PARTNER, customer=None):
    with app.test_request_context():
        return mailing.enqueue_marketing(recipient, purpose, "offer", "A lamp offer",
                                         "partner_offer", customer=customer,
                                         title="Lamps", offer="Ten percent off lamps.")


def deliver_now(app, settings=None):
    with app.app_context():
        return delivery.run(settings or delivery.Settings.for_app(app), threading.Event(),
                            once=True)


def test_nothing_is_queued_for_someone_who_did_not_consent(app, db, smtp_sink):
    customer = make_customer()
    consent.record(SHOP, True, "registration", customer_id=customer.id, address=customer.email)
    assert offer(app, customer.email, PARTNER, customer) is None
    assert offer(app, "stranger@example.com", SHOP) is None
    assert OutboxMessage.select().count() == 0


def test_a_consented_offer_carries_the_rfc_8058_headers_and_the_link(app, db, smtp_sink):
    customer = make_customer()
    consent.record(PARTNER, True, "registration", customer_id=customer.id,
                   address=customer.email)
    row = offer(app, customer.email, PARTNER, customer)
    assert (row.purpose, row.customer_id) == (PARTNER, customer.id)
    assert deliver_now(app)["sent"] == 1
    [message] = smtp_sink.messages()
    link = row.unsubscribe_url
    assert link.startswith(app.config["SHOP_URL"] + "/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.get_body(("plain",)).get_content()
    assert link in message.get_body(("html",)).get_content()
    # On the wire, as a mail provider reads it: one plain line, not an encoded word.
    assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in smtp_sink.raw()[0]


def test_a_withdrawal_between_queueing_and_sending_stops_the_mail(app, db, smtp_sink):
    customer = make_customer()
    consent.record(PARTNER, True, "registration", customer_id=customer.id,
                   address=customer.email)
    kept = offer(app, customer.email, PARTNER, customer)
    consent.record(PARTNER, True, "checkout", address="guest@example.com")
    stopped = offer(app, "guest@example.com")
    consent.record(PARTNER, False, "email_link", address="guest@example.com")
    outcome = deliver_now(app)
    assert (outcome["sent"], outcome["withheld"]) == (1, 1)
    assert [m["To"] for m in smtp_sink.messages()] == [customer.email]
    assert OutboxMessage.get_by_id(stopped.id).status == OutboxMessage.WITHHELD
    assert OutboxMessage.get_by_id(kept.id).status == OutboxMessage.SENT


def test_without_a_consent_check_marketing_is_withheld_not_sent(app, db, smtp_sink):
    consent.record(PARTNER, True, "checkout", address="guest@example.com")
    row = offer(app, "guest@example.com")
    unchecked = replace(delivery.Settings.for_app(app), still_wanted=None)
    assert deliver_now(app, unchecked)["withheld"] == 1
    assert smtp_sink.count() == 0 and OutboxMessage.get_by_id(row.id).status == "withheld"


def test_order_mail_is_not_marketing_and_needs_no_consent(app, db, smtp_sink):
    from storefront.mail import outbox
    with app.test_request_context():
        row = outbox.enqueue("guest@example.com", "consent_notice", "A note", "optout_notice",
                             purposes=[], resume_url="https://shop.example/x", resume_days=30)
    assert not row.purpose and not row.unsubscribe_url
    assert deliver_now(app)["sent"] == 1
    assert smtp_sink.messages()[0]["List-Unsubscribe"] is None


def test_a_delivered_consent_note_forgets_its_links(app, db, smtp_sink):
    """The undo link in an opt-out note would let whoever reads it opt the person back in:
    once delivered, only the recipient has it."""
    consent.record(SHOP, True, "checkout", address="guest@example.com")
    with app.test_request_context():
        mailing.opt_out_by_form("guest@example.com", [SHOP])
    assert deliver_now(app)["sent"] == 1
    assert "/privacy/resume/" in smtp_sink.messages()[0].get_body(("plain",)).get_content()
    row = OutboxMessage.get()
    assert "/privacy/resume/" not in row.body_text + row.body_html
