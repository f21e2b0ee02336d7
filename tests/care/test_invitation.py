"""A caller whose order care took as a guest's asks for an account: care email an invitation
from the order page, the worker delivers it over SMTP, and its link opens an account holding
the order. Care never see the link, nor does any log or the delivered outbox row."""
import logging
import re
from datetime import timedelta

import pytest
import time_machine

from storefront.accounts.models import Customer
from storefront.checkout import invitation
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from storefront.privacy.models import AuditEvent
from tests.care.test_customers import place as record_order
from tests.care.test_phone_orders import add, fill_details, pay_by_card, place, start
from tests.checkout.test_invitation import send
from tests.factories import (APPROVED_CARD, PASSWORD, csrf_token, make_customer, make_product,
                             make_staff, post_form, staff_sign_in)
from tests.mail.conftest import WorkerProcesses

BUTTON = "Email an invitation to open an account"
LINK = re.compile(r"http://\S+/checkout/invitation/([^\s\"<]+)")


def take_phone_order(care):
    """A new caller's order, taken by phone from start to "Place order"; the Order."""
    start(care)
    add(care, make_product(name="Brass Lamp"))
    assert fill_details(care).status_code == 302
    assert pay_by_card(care, APPROVED_CARD).status_code == 302
    assert place(care, cvv="123")[0].status_code == 302
    return Order.get()


def press(client, order):
    """Press the order page's invitation button."""
    page = f"/care/orders/{order.number}"
    return post_form(client, f"{page}/invitation", {}, token_page=page)


def staff_client(app, role):
    client = app.test_client()
    staff_sign_in(client, make_staff(role).email)
    return client


def test_the_invitation_goes_once_and_its_link_opens_an_account_with_the_order(
        app, care, processor, smtp_sink, database_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="storefront")
    order = take_phone_order(care)
    page = care.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert BUTTON in page and "only when the caller asks" in page
    assert "Last invitation sent" not in page

    first = press(care, order)
    assert first.status_code == 302
    assert first.location == f"/care/orders/{order.number}#invitation"
    told = care.get(first.location).get_data(as_text=True)
    assert "The invitation is on its way to caller@example.com" in told
    assert "Last invitation sent" in told
    again = care.get(press(care, order).location).get_data(as_text=True)
    assert "nothing more was sent" in again  # a second press moments later
    [row] = OutboxMessage.select()
    assert (row.category, row.recipient, row.order_number) == \
        ("account_invitation", "caller@example.com", order.number)
    [event] = AuditEvent.select().where(AuditEvent.action == AuditEvent.CHANGED)
    assert (event.staff_id, event.email_key) == (care.staff.id, "caller@example.com")
    assert order.number in event.what and "invitation" in event.what

    worker = WorkerProcesses(database_url, smtp_sink, tmp_path)  # `storefront worker`
    try:
        output = worker.run("--once")
    finally:
        worker.stop_all()
    [mail] = smtp_sink.messages()
    assert mail["To"] == "caller@example.com" and order.number in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    link = LINK.search(text).group(0)
    token = LINK.search(text).group(1)
    assert token in mail.get_body(("html",)).get_content()
    delivered = OutboxMessage.get_by_id(row.id)
    assert delivered.status == "sent"
    assert token not in delivered.body_text + delivered.body_html + delivered.subject

    caller = app.test_client()
    path = link.split("127.0.0.1:8000", 1)[1]
    shown = caller.get(path).get_data(as_text=True)
    assert order.number in shown and "caller@example.com" in shown
    opened = caller.post(path, data={"password": PASSWORD, "confirm": PASSWORD,
                                     "csrf_token": csrf_token(caller, path)})
    assert opened.status_code == 302 and opened.location == f"/account/orders/{order.number}"
    account = Customer.get(Customer.email == "caller@example.com")
    assert Order.get_by_id(order.id).customer_id == account.id
    mine = caller.get("/account/orders/").get_data(as_text=True)
    assert order.number in mine and "Brass Lamp" in mine

    pages = {f"/care/orders/{order.number}", f"/care/customers/{account.id}",
             f"/staff/mail/{row.id}", "/staff/mail/"}
    for staff_page in pages:
        html = care.get(staff_page).get_data(as_text=True)
        assert token not in html and "/checkout/invitation/" not in html, staff_page
        assert "As you asked on the phone" not in html, staff_page  # nor the mail's text
    after = care.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert BUTTON not in after and f"/care/customers/{account.id}" in after
    assert token not in caplog.text + output
    assert caller.get(path).status_code == 410  # spent


def test_fulfilment_neither_sees_the_button_nor_sends(app, db):
    order = record_order("K7QM-3XPD", email="cal@example.com")
    packer = staff_client(app, "fulfilment")
    page = packer.get(f"/care/orders/{order.number}")
    assert page.status_code == 200 and BUTTON not in page.get_data(as_text=True)
    assert press(packer, order).status_code == 403
    assert OutboxMessage.select().count() == 0
    admin = staff_client(app, "admin")
    assert BUTTON in admin.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert press(admin, order).status_code == 302 and OutboxMessage.select().count() == 1


def test_no_invitation_for_an_order_in_an_account_or_an_address_that_has_one(care):
    ada = make_customer()
    own = record_order("K7QM-3XPD", customer=ada, email=ada.email)
    html = care.get(f"/care/orders/{own.number}").get_data(as_text=True)
    assert BUTTON not in html and 'id="invitation"' not in html
    guest = record_order("K7QM-3XPE", email="ADA@example.com")
    html = care.get(f"/care/orders/{guest.number}").get_data(as_text=True)
    assert BUTTON not in html and "so no invitation can be sent" in html
    for order, told in ((own, "This order is already in an account."),
                        (guest, "so no invitation can be sent")):
        response = press(care, order)
        assert response.status_code == 302
        assert told in care.get(response.location).get_data(as_text=True)
    assert OutboxMessage.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.action == AuditEvent.CHANGED).count() == 0


def test_after_five_invitations_in_a_day_care_are_told_when_the_next_can_go(app, care):
    order = record_order("K7QM-3XPD", email="cal@example.com")
    for n in range(invitation.DAILY_CAP, 0, -1):
        with time_machine.travel(utcnow() - timedelta(minutes=10 * n)):
            send(app, order, care.staff)
    page = f"/care/orders/{order.number}"
    html = care.get(page).get_data(as_text=True)
    assert BUTTON not in html
    assert "5 invitations went to this order&#39;s address in the last 24 hours" in html
    response = press(care, order)
    assert response.status_code == 302
    told = care.get(response.location).get_data(as_text=True)
    assert '<p class="flash flash-error">5 invitations went to this order' in told
    assert OutboxMessage.select().count() == invitation.DAILY_CAP


@pytest.mark.parametrize("number, status", [("NOPE-NOPE", 404), ("x" * 300, 404),
                                            ("%00", 400)])
def test_an_unknown_order_is_refused_cleanly(care, number, status):
    assert post_form(care, f"/care/orders/{number}/invitation", {},
                     token_page="/care/").status_code == status
