"""Staff read the mail: failed and waiting first, search, one message, escaped HTML, roles."""
import pytest

from storefront.accounts.models import STAFF_ROLES
from storefront.mail.models import OutboxMessage

from tests.factories import make_customer, make_staff, post_form, sign_in, staff_sign_in
from tests.mail.conftest import make_message


def signed_in_staff(app, role):
    client = app.test_client()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    return client


def test_failed_and_waiting_messages_come_first_with_attempts_and_error(app, db):
    make_message(subject="Delivered long ago", status=OutboxMessage.SENT, attempts=1)
    make_message(subject="Waiting its turn", attempts=2, last_error="421 Try again later")
    make_message(subject="Given up", status=OutboxMessage.FAILED, attempts=8,
                 last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    html = signed_in_staff(app, "care").get("/staff/mail/").get_data(as_text=True)
    assert html.index("Given up") < html.index("Waiting its turn") < \
        html.index("Delivered long ago")
    assert "ConnectionRefusedError" in html and "421 Try again later" in html
    assert "1 failed" in html and "1 waiting" in html and "1 sent" in html


def test_search_by_recipient_email_or_order_number(app, db):
    make_message(recipient="grace@example.com", subject="For Grace")
    make_message(recipient="alan@example.com", subject="For Alan", order_number="K7QM-3XPD")
    client = signed_in_staff(app, "care")
    html = client.get("/staff/mail/?q=GRACE@example").get_data(as_text=True)
    assert "For Grace" in html and "For Alan" not in html
    html = client.get("/staff/mail/?q=k7qm-3xpd").get_data(as_text=True)
    assert "For Alan" in html and "For Grace" not in html
    assert "No messages" in client.get("/staff/mail/?q=nobody").get_data(as_text=True)


def test_one_message_shows_headers_and_text_and_never_injects_its_html(app, db):
    customer = make_customer()
    row = make_message(recipient="ada@example.com", customer_id=customer.id,
                       order_number="K7QM-3XPD",
                       body_text="Your lamp is on its way.",
                       body_html='<p>Hi</p><script>alert("x")</script><img src=x onerror=y>')
    html = signed_in_staff(app, "admin").get(f"/staff/mail/{row.id}").get_data(as_text=True)
    assert row.message_id.replace("<", "&lt;").replace(">", "&gt;") in html
    assert "Your lamp is on its way." in html and "K7QM-3XPD" in html
    assert f"customer account {customer.id}" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_staff_send_a_failed_message_again(app, db):
    row = make_message(status=OutboxMessage.FAILED, attempts=8, last_error="550 nope")
    client = signed_in_staff(app, "care")
    response = post_form(client, f"/staff/mail/{row.id}/retry", {},
                         token_page=f"/staff/mail/{row.id}")
    assert response.status_code == 302
    row = OutboxMessage.get_by_id(row.id)
    assert (row.status, row.attempts) == (OutboxMessage.PENDING, 0)
    assert "will be sent again" in client.get(response.location).get_data(as_text=True)


def test_a_missing_message_goes_back_to_the_list(app, db):
    response = signed_in_staff(app, "care").get("/staff/mail/12345")
    assert response.status_code == 302 and response.location.endswith("/staff/mail/")


def test_the_staff_home_links_to_mail_for_care_only(app, db):
    assert "/staff/mail/" in signed_in_staff(app, "care").get("/staff/").get_data(as_text=True)
    assert "/staff/mail/" not in signed_in_staff(app, "marketing").get("/staff/") \
        .get_data(as_text=True)


@pytest.mark.parametrize("who", ["anonymous", "customer", *STAFF_ROLES])
def test_only_care_and_admin_read_mail(app, db, who):
    row = make_message()
    client = app.test_client()
    if who == "customer":
        make_customer()
        sign_in(client)
    elif who != "anonymous":
        client = signed_in_staff(app, who)
    for path in ("/staff/mail/", f"/staff/mail/{row.id}", "/staff/mail/?q=example.com"):
        response = client.get(path)
        if who in ("care", "admin"):
            assert response.status_code == 200, (who, path)
        elif who == "anonymous":
            assert response.status_code == 302 and "/staff/login" in response.location
        else:
            assert response.status_code == 403, (who, path)
