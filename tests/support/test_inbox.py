"""The care inbox (P10): correspondence is for care and admin staff only; open messages
first; assigning to care staff and the filters by who holds a message; closing and reopening;
bad addresses answer 400 or 404. Replies: test_inbox_replies.py."""
from datetime import timedelta

import pytest

from storefront.accounts.models import StaffUser
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.partners.models import Partner
from storefront.privacy.models import AuditEvent, ConsentEvent
from storefront.support import service
from storefront.support.models import CareReply, Correspondence
from tests.factories import make_customer, make_staff, post_form, sign_in, staff_sign_in
from tests.support.conftest import care_mail


def _message(subject="Hello", minutes_ago=0, status="open"):
    return Correspondence.create(
        source="contact_form", sender_name="Gus", sender_email="gus@example.com",
        subject=subject, body="Private words", status=status,
        received_at=utcnow() - timedelta(minutes=minutes_ago))


def _urls(message):
    base = f"/care/inbox/{message.id}"
    return [("GET", "/care/inbox/"), ("GET", "/care/inbox/?status=closed"),
            ("GET", "/care/inbox/?held=me"), ("GET", base), ("POST", f"{base}/optout"),
            ("POST", f"{base}/close"), ("POST", f"{base}/reopen"), ("POST", f"{base}/assign"),
            ("POST", f"{base}/reply")]


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
            response = client.open(url, method=method, data={
                "assignee": member.id, "body": "Sneaky reply", "send": "y"})
            assert response.status_code == 403, (role, method, url)
            assert "Private words" not in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    _assert_untouched()


def _assert_untouched():
    message = Correspondence.get()
    assert message.status == "open" and message.assigned_to_id is None
    assert ConsentEvent.select().count() == 0
    assert CareReply.select().count() == 0 and OutboxMessage.select().count() == 0


def test_customers_and_anonymous_visitors_are_refused(app, db):
    message = _message()
    make_customer()
    customer = app.test_client()
    sign_in(customer)
    anonymous = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for method, url in _urls(message):
            data = {"assignee": "1", "body": "Sneaky reply", "send": "y"}
            assert customer.open(url, method=method, data=data).status_code == 403, url
            response = anonymous.open(url, method=method, data=data)
            assert response.status_code == 302 and "/staff/login" in response.location, url
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    _assert_untouched()


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


def test_reopening_a_closed_message_puts_it_back_in_the_open_queue(client, db):
    message = _message("Not done after all", status="closed")
    Correspondence.update(closed_at=utcnow()).execute()
    staff_sign_in(client, make_staff("care").email)
    page = f"/care/inbox/{message.id}"
    assert "Reopen</button>" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/reopen", {}, token_page=page)
    assert response.status_code == 302 and response.location.endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "The message from gus@example.com is open again." in html
    assert "Close</button>" in html and "Reopen</button>" not in html
    reopened = Correspondence.get_by_id(message.id)
    assert reopened.status == "open" and reopened.closed_at is None
    assert "Not done after all" in client.get("/care/inbox/?status=open").get_data(as_text=True)
    assert not service.reopen(reopened)


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
    for action in ("close", "reopen", "assign", "reply"):
        assert post_form(client, f"/care/inbox/12345/{action}",
                         {"assignee": "", "body": "Hello", "send": "y"},
                         token_page=token_page).status_code == 404, action
        assert post_form(client, f"/care/inbox/99999999999999999999/{action}", {},
                         token_page=token_page).status_code == 404, action
    assert client.get("/care/inbox/?held=everyone").status_code == 400
    assert client.get("/care/inbox/?held=me&status=open").status_code == 200


def _assign(client, message, assignee):
    page = f"/care/inbox/{message.id}"
    return post_form(client, f"{page}/assign", {"assignee": assignee}, token_page=page)


def test_taking_a_message_and_giving_it_to_another_care_associate(client, db):
    message = _message("Where is my parcel")
    me = make_staff("care", name="Cleo Care")
    bea = make_staff("care", email="bea@staff.example.com", name="Bea Brook")
    make_staff("admin", name="Ada Admin")
    make_staff("fulfilment", name="Finn Fulfil")
    staff_sign_in(client, me.email)
    page = f"/care/inbox/{message.id}"
    html = client.get(page).get_data(as_text=True)
    # The menu offers care and admin staff and nobody; never other roles.
    assert "Bea Brook (bea@staff.example.com)" in html and "Ada Admin" in html
    assert "Finn Fulfil" not in html and ">Nobody</option>" in html
    assert "Take it</button>" in html

    # "Take it" posts the signed-in associate's own id.
    response = _assign(client, message, me.id)
    assert response.status_code == 302 and response.location.endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "The message is assigned to Cleo Care." in html and "Take it</button>" not in html
    assert Correspondence.get_by_id(message.id).assigned_to_id == me.id
    listing = client.get("/care/inbox/").get_data(as_text=True)
    assert "<td>Cleo Care (you)</td>" in listing

    assert _assign(client, message, bea.id).status_code == 302
    assert Correspondence.get_by_id(message.id).assigned_to_id == bea.id
    assert "<td>Bea Brook</td>" in client.get("/care/inbox/").get_data(as_text=True)
    assert "Take it</button>" in client.get(page).get_data(as_text=True)

    assert _assign(client, message, "").status_code == 302
    assert Correspondence.get_by_id(message.id).assigned_to_id is None
    assert "<td>nobody</td>" in client.get("/care/inbox/").get_data(as_text=True)
    # Assigning writes no audit event of its own: only the page views are recorded.
    assert {event.what for event in AuditEvent.select()} == {f"correspondence {message.id}"}


def test_only_active_care_or_admin_staff_can_hold_a_message(client, db):
    message = _message()
    me = make_staff("care")
    Correspondence.update(assigned_to=me).execute()
    fulfilment = make_staff("fulfilment")
    gone = make_staff("care", email="gone@staff.example.com")
    StaffUser.update(is_active=False).where(StaffUser.id == gone.id).execute()
    partner = Partner.create(slug="p", name="P", privacy_url="https://p.example.com")
    outsider = make_staff("partner")
    StaffUser.update(partner=partner).where(StaffUser.id == outsider.id).execute()
    staff_sign_in(client, me.email)
    for wrong in (fulfilment.id, gone.id, outsider.id, 999999, "abc", "-1", "1.5", "²"):
        response = _assign(client, message, wrong)
        assert response.status_code == 400, wrong
        html = response.get_data(as_text=True)
        assert "Choose an active member of Customer Care from the list." in html
        assert 'id="assignee-error"' in html and "Private words" in html
        assert Correspondence.get_by_id(message.id).assigned_to_id == me.id, wrong
    assert gone.email not in client.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    with pytest.raises(service.SupportError):
        service.assign(message, fulfilment.id)


def test_filters_by_status_and_by_who_holds_the_message(client, db):
    me = make_staff("care")
    other = make_staff("admin")
    mine_open = _message("Mine open")
    mine_closed = _message("Mine closed", status="closed")
    theirs = _message("Theirs open")
    _message("Nobody's open")
    Correspondence.update(assigned_to=me).where(
        Correspondence.id.in_([mine_open.id, mine_closed.id])).execute()
    Correspondence.update(assigned_to=other).where(Correspondence.id == theirs.id).execute()
    staff_sign_in(client, me.email)

    def subjects(query):
        html = client.get(f"/care/inbox/?{query}").get_data(as_text=True)
        return {s for s in ("Mine open", "Mine closed", "Theirs open", "Nobody's open")
                if s in html.replace("&#39;", "'")}

    everything = {"Mine open", "Mine closed", "Theirs open", "Nobody's open"}
    assert subjects("") == subjects("status=all&held=anyone") == everything
    assert subjects("held=me") == {"Mine open", "Mine closed"}
    assert subjects("held=me&status=open") == {"Mine open"}
    assert subjects("held=me&status=closed") == {"Mine closed"}
    assert subjects("held=nobody") == {"Nobody's open"}
    assert subjects("held=nobody&status=closed") == set()
    assert subjects("status=open") == {"Mine open", "Theirs open", "Nobody's open"}
    # The links of one filter keep the other.
    html = client.get("/care/inbox/?held=me&status=open").get_data(as_text=True)
    assert "/care/inbox/?status=closed&amp;held=me" in html
    assert "/care/inbox/?status=open&amp;held=nobody" in html
    assert "No closed messages that nobody holds." in \
        client.get("/care/inbox/?held=nobody&status=closed").get_data(as_text=True)
