"""The care inbox (P10): correspondence is for care and admin staff only; open messages
first; closing; bad addresses answer 400 or 404."""
from datetime import timedelta

import pytest

from storefront.accounts.models import StaffUser
from storefront.db import utcnow
from storefront.partners.models import Partner
from storefront.privacy.models import ConsentEvent
from storefront.support import service
from storefront.support.models import Correspondence
from tests.factories import make_customer, make_staff, post_form, sign_in, staff_sign_in
from tests.support.conftest import care_mail


def _message(subject="Hello", minutes_ago=0, status="open"):
    return Correspondence.create(
        source="contact_form", sender_name="Gus", sender_email="gus@example.com",
        subject=subject, body="Private words", status=status,
        received_at=utcnow() - timedelta(minutes=minutes_ago))


def _urls(message):
    base = f"/care/inbox/{message.id}"
    return [("GET", "/care/inbox/"), ("GET", "/care/inbox/?status=closed"), ("GET", base),
            ("POST", f"{base}/optout"), ("POST", f"{base}/close")]


@pytest.mark.parametrize("role", ["fulfilment", "partner", "marketing", "legal"])
def test_other_staff_roles_are_refused_everywhere(app, db, role):
    message = _message()
    member = make_staff(role)
    if role == "partner":
        partner = Partner.create(slug="p", name="P", privacy_url="https://p.example.com")
        StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()
    client = app.test_client()
    staff_sign_in(client, member.email)
    app.config["WTF_CSRF_ENABLED"] = False  # refused by role, not for a missing token
    try:
        for method, url in _urls(message):
            response = client.open(url, method=method)
            assert response.status_code == 403, (role, method, url)
            assert "Private words" not in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert Correspondence.get().status == "open" and ConsentEvent.select().count() == 0


def test_customers_and_anonymous_visitors_are_refused(app, db):
    message = _message()
    make_customer()
    customer = app.test_client()
    sign_in(customer)
    anonymous = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for method, url in _urls(message):
            assert customer.open(url, method=method).status_code == 403, url
            response = anonymous.open(url, method=method)
            assert response.status_code == 302 and "/staff/login" in response.location, url
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert Correspondence.get().status == "open" and ConsentEvent.select().count() == 0


@pytest.mark.parametrize("role", ["care", "admin"])
def test_care_and_admin_read_open_messages_first_newest_first(client, db, role):
    _message("Old open", minutes_ago=30)
    _message("New closed", minutes_ago=1, status="closed")
    _message("New open", minutes_ago=5)
    staff_sign_in(client, make_staff(role).email)
    html = client.get("/care/inbox/").get_data(as_text=True)
    positions = [html.index(subject) for subject in ("New open", "Old open", "New closed")]
    assert positions == sorted(positions)
    assert "2 open · 1 closed" in html
    closed = client.get("/care/inbox/?status=closed").get_data(as_text=True)
    assert "New closed" in closed and "open</td>" not in closed
    opened = client.get("/care/inbox/?status=open").get_data(as_text=True)
    assert "New open" in opened and "New closed" not in opened


def test_closing_a_message(client, db):
    message = _message("Done with")
    staff_sign_in(client, make_staff("care").email)
    assert "Close</button>" in client.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    response = post_form(client, f"/care/inbox/{message.id}/close", {},
                         token_page=f"/care/inbox/{message.id}")
    assert response.status_code == 302 and response.location.endswith("/care/inbox/")
    assert "The message from gus@example.com is closed." in \
        client.get(response.location).get_data(as_text=True)
    closed = Correspondence.get_by_id(message.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert "Close</button>" not in client.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    assert not service.close(closed)


def test_forms_without_the_csrf_token_change_nothing(client, db):
    message, _ = service.receive_email(care_mail())
    staff_sign_in(client, make_staff("care").email)
    client.post(f"/care/inbox/{message.id}/close")
    client.post(f"/care/inbox/{message.id}/optout")
    assert Correspondence.get().status == "open" and ConsentEvent.select().count() == 0


def test_garbage_in_inbox_urls_is_a_400_or_404(client, db):
    staff_sign_in(client, make_staff("care").email)
    assert client.get("/care/inbox/?status=spam").status_code == 400
    assert client.get("/care/inbox/?page=0").status_code == 400
    assert client.get("/care/inbox/?page=%C2%B2").status_code == 400
    assert client.get("/care/inbox/12345").status_code == 404
    assert client.get("/care/inbox/99999999999999999999").status_code == 404
    assert client.get("/care/inbox/abc").status_code == 404
    token_page = "/care/inbox/"
    assert post_form(client, "/care/inbox/12345/optout", {}, token_page=token_page) \
        .status_code == 404
    assert post_form(client, "/care/inbox/12345/close", {}, token_page=token_page) \
        .status_code == 404
