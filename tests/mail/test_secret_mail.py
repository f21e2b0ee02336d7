"""Mail that carries a secret of its recipient (a gift card's code, a link that changes their
consent or unsubscribes them) is never shown to staff, before or after delivery; the worker
forgets its text once delivered, by the same definition."""
import re

import pytest

from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from tests.checkout.test_gift_card_payments import GIFT_CARDS_ONLY, buy_gift_card
from tests.factories import (choose_payment, fill_details, make_customer, make_staff,
                             place_order, sign_in, staff_sign_in)
from tests.mail.conftest import make_message, reload

CODE = re.compile(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}\b")
NOT_SHOWN = "(not shown: it carries a code or a personal link)"


def _staff(app, role):
    client = app.test_client()
    staff_sign_in(client, make_staff(role).email)
    return client


def _forms(code):
    """The code as shown, without its dashes, and lower-cased."""
    return [code, code.replace("-", ""), code.lower()]


@pytest.mark.usefixtures("processor")
def test_a_bought_gift_cards_code_is_on_no_staff_page_before_or_after_delivery(
        app, db, runner, smtp_sink):
    grace = make_customer(name="Grace Hopper", email="grace@example.com",
                          day_phone="(217) 555-0188")
    ada = make_customer()
    shopper = app.test_client()
    sign_in(shopper)
    buy_gift_card(shopper, 5000, email="grace@example.com")
    assert fill_details(shopper, email=None, **GIFT_CARDS_ONLY).status_code == 302
    assert choose_payment(shopper).status_code == 302
    assert place_order(shopper).status_code == 302
    order = Order.get()
    mail = OutboxMessage.get(OutboxMessage.category == "gift_card")
    code = CODE.search(mail.body_text).group(0)
    care, packer = _staff(app, "care"), _staff(app, "fulfilment")
    pages = {care: [f"/staff/mail/{mail.id}", "/staff/mail/", "/staff/mail/?q=grace",
                    f"/care/orders/{order.number}", f"/care/customers/{ada.id}",
                    f"/care/customers/{grace.id}"],
             packer: [f"/care/orders/{order.number}"]}

    def nowhere(status):
        for client, paths in pages.items():
            for path in paths:
                response = client.get(path)
                html = response.get_data(as_text=True)
                assert response.status_code == 200, path
                assert not any(form in html for form in _forms(code)), path
        viewer = care.get(f"/staff/mail/{mail.id}").get_data(as_text=True)
        for shown in ("Ada sent you a gift card", "grace@example.com", status,
                      NOT_SHOWN):
            assert shown in viewer, shown
        assert "Ada sent you a gift card" in \
            care.get(f"/care/orders/{order.number}").get_data(as_text=True)

    nowhere("pending")
    runner.invoke(args=["worker", "--once"])
    [delivered] = smtp_sink.messages()
    assert code in delivered.get_body(("plain",)).get_content()  # the code was real
    nowhere("sent")


@pytest.mark.parametrize("category, link", [
    ("gift_card", "Your gift card code: ABCD-EFGH-JKLM-NPQR"),
    ("consent_notice", "http://127.0.0.1:8000/privacy/resume/undo-token-1234"),
    ("consent_welcome", "http://127.0.0.1:8000/unsubscribe/welcome-token-1234"),
    ("policy_notice", "http://127.0.0.1:8000/privacy/refuse/refusal-token-1234"),
    ("newsletter", "http://127.0.0.1:8000/unsubscribe/news-token-1234"),
])
def test_the_viewer_shows_the_headers_of_a_secret_mail_and_not_its_text(app, db, category, link):
    extra = {"unsubscribe_url": link} if category == "newsletter" else {}
    row = make_message(category=category, recipient="ada@example.com", subject="For Ada",
                       body_text=f"Hello,\n{link}\n", body_html=f"<p>{link}</p>", **extra)
    html = _staff(app, "care").get(f"/staff/mail/{row.id}").get_data(as_text=True)
    assert "For Ada" in html and "ada@example.com" in html and "pending" in html
    assert NOT_SHOWN in html and link not in html and "token-1234" not in html


def test_an_ordinary_mail_is_shown_whole(app, db):
    row = make_message(category="shipment", body_text="Your lamp is on its way.")
    html = _staff(app, "care").get(f"/staff/mail/{row.id}").get_data(as_text=True)
    assert "Your lamp is on its way." in html and NOT_SHOWN not in html


def test_the_worker_forgets_the_text_of_every_secret_mail_it_delivered(app, db, runner,
                                                                       smtp_sink):
    marketing = make_message(category="newsletter", body_text="Offers. Unsubscribe: tok-9",
                             unsubscribe_url="http://127.0.0.1:8000/unsubscribe/tok-9")
    notice = make_message(category="consent_notice", body_text="Undo: tok-8")
    plain = make_message(category="shipment", body_text="Your lamp is on its way.")
    runner.invoke(args=["worker", "--once"])
    assert smtp_sink.count() == 3
    for row in (marketing, notice):
        row = reload(row)
        assert row.status == "sent" and "tok-" not in row.body_text + row.body_html
    assert reload(plain).body_text == "Your lamp is on its way."
