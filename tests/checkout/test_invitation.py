"""The link Customer Care emails a guest caller: it opens an account holding the order, with a
password only the caller chooses; it is signed, good for seven days and once, and never
logged."""
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from storefront.accounts import throttle
from storefront.accounts.models import (AccountSession, Address, Customer, LoginAttempt, Phone,
                                        StaffUser)
from storefront.checkout import invitation
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.privacy.models import AuditEvent
from storefront.tracking import clicklog
from storefront.tracking.models import PageView, RequestLog
from tests.accounts.test_registration import register
from tests.factories import (PASSWORD, address, csrf_token, make_customer, make_product,
                             make_staff, sign_in, staff_sign_in)

NUMBER = "K7QM-3XPD"
LINK = re.compile(r"http://\S+/checkout/invitation/(\S+)")


def guest_order(number=NUMBER, email="cal@example.com", customer=None):
    """A phone order for a new caller, recorded as checkout records it."""
    caller = address(name="Cal Caller", line1="9 Oak Street", postal_code="62704")
    order, _ = orders.record_order(number, customer, email, "+12175550177", caller, caller,
                                   "standard", 595, [orders.LineRequest(make_product(), 1)],
                                   [], "", channel=Order.PHONE)
    return order


def send(app, order, staff=None):
    """Send as the care button does: (when it went, whether it was sent now)."""
    staff = staff or StaffUser.by_email_key("care@staff.example.com") or make_staff("care")
    with app.test_request_context():
        return invitation.send(order, staff.id, "10.0.0.7", app.config)


def token_of(row):
    return LINK.search(row.body_text).group(1)


def sent_token(app, order):
    """Send an invitation and return the token its mail carries."""
    send(app, order)
    row = OutboxMessage.select().where(OutboxMessage.category == invitation.CATEGORY) \
        .order_by(OutboxMessage.id.desc()).get()
    return token_of(row)


def open_account(client, token, password=PASSWORD, confirm=None):
    """Fill in the link's page and send it, as the caller does."""
    path = f"/checkout/invitation/{token}"
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_token(client, path)})


def post_password(client, token):
    """Post a password to a link whose page does not show a form (a valid CSRF token)."""
    return client.post(f"/checkout/invitation/{token}", data={
        "password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(client)})


def test_the_link_opens_an_account_that_holds_the_order(app, client, db):
    order = guest_order()
    token = sent_token(app, order)
    page = client.get(f"/checkout/invitation/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert NUMBER in html and "cal@example.com" in html
    assert 'type="password"' in html and 'name="confirm"' in html

    response = open_account(client, token)
    assert response.status_code == 302 and response.location == f"/account/orders/{NUMBER}"
    cal = Customer.get()
    assert (cal.name, cal.email) == ("Cal Caller", "cal@example.com")
    assert Order.get_by_id(order.id).customer_id == cal.id
    assert cal.address(Address.SHIPPING).line1 == "9 Oak Street"
    assert cal.phone(Phone.DAY).number == "+12175550177"
    mine = client.get(f"/account/orders/{NUMBER}")  # signed in, and the order is theirs
    assert mine.status_code == 200 and "Your account is ready" in mine.get_data(as_text=True)
    assert LoginAttempt.select().count() == 0  # the password counted toward no throttle


def test_a_used_link_says_so_and_opens_nothing_more(app, client, db):
    order = guest_order()
    token = sent_token(app, order)
    assert open_account(client, token).status_code == 302
    other = app.test_client()
    for response in (other.get(f"/checkout/invitation/{token}"),
                     post_password(other, token)):
        html = response.get_data(as_text=True)
        assert response.status_code == 410
        assert "already in an account" in html
        assert f"/account/login?next=/account/orders/{NUMBER}" in html
        assert 'type="password"' not in html
    assert Customer.select().count() == 1


def test_a_used_link_is_spent_for_every_invitation_of_the_order(app, client, db):
    order = guest_order()
    with time_machine.travel(utcnow() - timedelta(minutes=invitation.RESEND_MINUTES + 1)):
        first = sent_token(app, order)
    second = sent_token(app, order)
    assert first != second
    assert open_account(client, second).status_code == 302
    assert app.test_client().get(f"/checkout/invitation/{first}").status_code == 410


def _signed(secret, payload, salt=invitation.LINK_SALT):
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


def _tag(secret, address):
    """The keyed hash a link names its address by."""
    return throttle.subject_key(secret, invitation.LINK_SALT, address)[:16]


def _payload(order_id, secret, address="cal@example.com"):
    return {"o": order_id, "h": _tag(secret, address)}


@pytest.mark.parametrize("forge", [
    # altered in the middle of the signature (its last character carries only 2 bits)
    lambda token, key, order: token[:-10] + ("A" if token[-10] != "A" else "B") + token[-9:],
    lambda token, key, order: "nonsense",
    lambda token, key, order: "a" * 3000,
    lambda token, key, order: _signed(key, _payload(order.id, key),
                                      salt="storefront.unsubscribe.v1"),
    lambda token, key, order: _signed("another shop's key", _payload(order.id, key)),
    lambda token, key, order: _signed(key, _payload(order.id, key, "someone@example.com")),
    lambda token, key, order: _signed(key, _payload(order.id, "another key")),
    lambda token, key, order: _signed(key, _payload(order.id + 1000, key)),  # no such order
    lambda token, key, order: _signed(key, _payload(str(order.id), key)),
    lambda token, key, order: _signed(key, _payload(True, key)),
    lambda token, key, order: _signed(key, {"o": order.id, "h": None}),
    lambda token, key, order: _signed(key, {"o": order.id, "h": "é" * 16}),
    lambda token, key, order: _signed(key, {"o": NUMBER, "e": "cal@example.com"}),  # old form
    lambda token, key, order: _signed(key, [order.id, _tag(key, "cal@example.com")]),
])
def test_a_link_we_did_not_send_is_not_found(app, client, db, forge):
    order = guest_order()
    forged = forge(sent_token(app, order), app.config["SECRET_KEY"], order)
    assert client.get(f"/checkout/invitation/{forged}").status_code == 404
    assert post_password(client, forged).status_code == 404
    assert Customer.select().count() == 0


def test_anyone_can_read_the_links_payload_but_it_names_no_address(app, client, db):
    order = guest_order()
    token = sent_token(app, order)
    # no key needed to read it: what a mail scanner or a shoulder-surfer sees
    _, payload = URLSafeTimedSerializer("any key", salt="any salt").loads_unsafe(token)
    assert set(payload) == {"o", "h"} and payload["o"] == order.id
    assert re.fullmatch(r"[0-9a-f]{16}", payload["h"])
    assert "cal" not in str(payload) and NUMBER not in str(payload)
    assert client.get(f"/checkout/invitation/{token}").status_code == 200


def _sessions():
    return sorted((s.token_hash, s.customer_id, s.staff_id) for s in AccountSession.select())


def _user_id(client):
    with client.session_transaction() as cookie_session:
        return cookie_session.get("_user_id")


def assert_signed_in_page(client, token, who, sign_out):
    """The link's page for someone signed in: who they are, how to sign out, no form."""
    page = client.get(f"/checkout/invitation/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"You are signed in as {who}" in html
    assert "Sign out first to open the account for cal@example.com" in html
    assert f'action="{sign_out}"' in html and ">Sign out</button>" in html
    assert 'type="password"' not in html and NUMBER in html


def test_signed_in_as_a_customer_the_link_opens_nothing_and_leaves_the_session(
        app, client, db):
    make_customer()
    sign_in(client)
    order = guest_order()
    token = sent_token(app, order)
    before, user_id = _sessions(), _user_id(client)
    assert_signed_in_page(client, token, "ada@example.com", "/account/logout")
    response = post_password(client, token)
    assert response.status_code == 409
    assert "You are signed in as ada@example.com" in response.get_data(as_text=True)
    assert Customer.select().count() == 1 and Order.get_by_id(order.id).customer_id is None
    assert _sessions() == before and _user_id(client) == user_id
    assert client.get("/account/").status_code == 200  # still Ada's
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/")})
    assert open_account(client, token).status_code == 302  # signed out, the link works


def test_signed_in_as_staff_the_link_opens_nothing_and_leaves_the_session(app, client, db):
    staff = make_staff("care")
    staff_sign_in(client, staff.email)
    order = guest_order()
    token = sent_token(app, order)
    before, user_id = _sessions(), _user_id(client)
    assert_signed_in_page(client, token, staff.email, "/staff/logout")
    assert post_password(client, token).status_code == 409
    assert Customer.select().count() == 0 and Order.get_by_id(order.id).customer_id is None
    assert _sessions() == before and _user_id(client) == user_id
    assert client.get("/staff/").status_code == 200


def test_a_throttled_address_still_opens_the_account_its_link_names(app, client, db):
    """Registrations of taken emails from the caller's IP (a shared NAT, say) throttle the
    form, not the link: its address is proven, so nothing is probed."""
    make_customer(email="ada.shopper@example.com")
    for _ in range(throttle.MAX_FAILURES_PER_IP):
        register(client)
    assert "Too many failed attempts" in register(client, email="new@example.com") \
        .get_data(as_text=True)
    failures = LoginAttempt.select().count()
    order = guest_order()
    response = open_account(client, sent_token(app, order))
    assert response.status_code == 302 and response.location == f"/account/orders/{NUMBER}"
    assert Order.get_by_id(order.id).customer.email == "cal@example.com"
    assert LoginAttempt.select().count() == failures  # and it counted toward nothing


def test_an_expired_link_asks_for_a_new_one(app, client, db):
    order = guest_order()
    token = sent_token(app, order)
    with time_machine.travel(utcnow() + timedelta(days=invitation.LINK_DAYS, minutes=-5)):
        assert client.get(f"/checkout/invitation/{token}").status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=invitation.LINK_DAYS, minutes=5)):
        page = client.get(f"/checkout/invitation/{token}")
        html = page.get_data(as_text=True)
        assert page.status_code == 410
        assert "more than 7 days old" in html and "ask for a new one" in html
        assert 'href="tel:' in html and 'type="password"' not in html
        assert post_password(client, token).status_code == 410
    assert Customer.select().count() == 0 and Order.get_by_id(order.id).customer_id is None


def test_an_address_with_an_account_by_now_shows_the_error_on_the_form(app, client, db):
    order = guest_order(email="ada@example.com")
    token = sent_token(app, order)
    make_customer()  # Ada registers on the web before opening the link
    response = open_account(client, token)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html and "An account with this email already exists" in html
    assert 'href="/account/login"' in html and 'name="password"' in html
    assert Customer.select().count() == 1 and Order.get_by_id(order.id).customer_id is None
    assert LoginAttempt.select().count() == 0  # not a probe: the link names the address


@pytest.mark.parametrize("password, confirm, message", [
    ("", "", "Enter a password."),
    (PASSWORD, "something else entirely", "The passwords do not match."),
    ("short77", "short77", "Use at least 8 characters."),
    ("password123", "password123", "This password is too common"),
])
def test_a_password_the_rules_refuse_is_told_next_to_it(app, client, db, password, confirm,
                                                        message):
    order = guest_order()
    token = sent_token(app, order)
    response = open_account(client, token, password, confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert Customer.select().count() == 0 and Order.get_by_id(order.id).customer_id is None
    assert open_account(client, token).status_code == 302  # the link still works


def test_the_form_needs_its_csrf_token(app, client, db):
    token = sent_token(app, guest_order())
    client.get(f"/checkout/invitation/{token}")
    response = client.post(f"/checkout/invitation/{token}",
                           data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400 and Customer.select().count() == 0


def test_the_token_is_in_no_log(app, client, db, caplog):
    caplog.set_level(logging.DEBUG, logger="storefront")
    token = sent_token(app, guest_order())
    client.get(f"/checkout/invitation/{token}")
    open_account(client, token, confirm="a typing mistake")
    open_account(client, token)
    client.get(f"/checkout/invitation/{token}")
    clicklog.flush_all()
    paths = [row.path for row in RequestLog.select()] + [row.path for row in PageView.select()]
    assert "/checkout/invitation/<token>" in paths
    assert not any(token in path for path in paths)
    assert caplog.text and token not in caplog.text
    assert "route=/checkout/invitation/<token>" in caplog.text


def test_care_cannot_invite_an_order_in_an_account_or_an_address_with_one(app, db):
    ada = make_customer()
    with pytest.raises(invitation.NotSent, match="already in an account"):
        send(app, guest_order(customer=ada, email=ada.email))
    with pytest.raises(invitation.NotSent, match="already uses this order's email"):
        send(app, guest_order(number="K7QM-3XPE", email="ADA@example.com"))
    assert OutboxMessage.select().count() == 0 and AuditEvent.select().count() == 0


def test_a_second_press_soon_after_sends_nothing_and_a_later_one_sends_again(app, db):
    order = guest_order()
    staff = make_staff("care")
    at, sent = send(app, order, staff)
    assert sent and invitation.last_sent(order) == at
    assert send(app, order, staff) == (at, False)
    assert OutboxMessage.select().count() == 1
    later = utcnow() + timedelta(minutes=invitation.RESEND_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        again, sent = send(app, order, staff)
    assert sent and again > at and OutboxMessage.select().count() == 2
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    assert [(e.staff_id, e.action, e.email_key, e.ip) for e in events] == \
        [(staff.id, AuditEvent.CHANGED, "cal@example.com", "10.0.0.7")] * 2
    assert all(NUMBER in e.what and "invitation" in e.what for e in events)


def test_at_most_five_invitations_a_day_go_for_an_order(app, db):
    order = guest_order()
    start = utcnow().replace(microsecond=0)
    for n in range(invitation.DAILY_CAP):
        with time_machine.travel(start + timedelta(minutes=10 * n), tick=False):
            assert send(app, order)[1]
    assert invitation.refusal(order).startswith("5 invitations went to this order's address")
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        with pytest.raises(invitation.NotSent) as refused:
            send(app, order)
    ends = (start + timedelta(days=1, minutes=1)).replace(second=0)
    assert str(refused.value) == (
        "5 invitations went to this order's address in the last 24 hours, the most a day: "
        f"the next can be sent from {ends:%Y-%m-%d %H:%M} UTC.")
    assert OutboxMessage.select().count() == invitation.DAILY_CAP
    assert AuditEvent.select().count() == invitation.DAILY_CAP
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        assert send(app, order)[1]  # the first of the five is more than a day old
        assert invitation.refusal(order).startswith("5 invitations")


def test_the_mail_is_secret_and_carries_no_password(app, db):
    order = guest_order()
    send(app, order)
    row = OutboxMessage.get()
    assert row.holds_secret and row.category == "account_invitation"
    assert (row.recipient, row.order_number, row.customer_id) == \
        ("cal@example.com", NUMBER, None)
    assert token_of(row) not in row.subject and NUMBER in row.subject
    for body in (row.body_text, row.body_html):
        assert "Cal Caller" in body and NUMBER in body and "7 days" in body
        assert "/checkout/invitation/" in body and "password" in body


def test_presses_at_the_same_moment_send_one_invitation(app, db):
    """Four associates' browsers (or one double click) at once: the order's row lock lets
    one send; the others find its mail."""
    order = guest_order()
    staff = make_staff("care")
    db.close()
    barrier = threading.Barrier(4)

    def press(_):
        barrier.wait()
        try:
            return send(app, order, staff)[1]
        finally:
            db.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = list(pool.map(press, range(4)))
    assert sorted(sent) == [False, False, False, True]
    assert OutboxMessage.select().count() == 1
    assert AuditEvent.select().count() == 1
