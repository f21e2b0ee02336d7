"""Back office → Partners → staff logins: an admin adds and stops the logins of a partner's
portal, every such change is in the audit log, and marketing staff (who manage partners and
banners) can never make one, so they can never read a partner's customers."""
from storefront.accounts.models import AccountSession, Customer, StaffUser
from storefront.privacy.models import AuditEvent
from tests.accounts.test_staff_passwords import change
from tests.backoffice.test_partners_admin import error_of, signed_in
from tests.factories import make_customer, make_staff, post_form, staff_sign_in
from tests.partners.conftest import make_partner

STAFF = {"staff-name": "Rita Reader", "staff-email": "rita@riverbooks.example",
         "staff-password": "paper cranes fly south", "staff-confirm": "paper cranes fly south"}


def audit_trail():
    """Every audit event as (staff id, action, customer id, email key, what), oldest first."""
    return [(e.staff_id, e.action, e.customer_id, e.email_key, e.what)
            for e in AuditEvent.select().order_by(AuditEvent.id)]

def test_partner_staff_logins_are_added_with_checked_passwords(app, db):
    partner = make_partner("riverbooks", name="Riverbooks")
    client = signed_in(app)
    page = f"/staff/partners/{partner.id}"
    for changes, field, message in [
            ({"staff-password": "short", "staff-confirm": "short"}, "staff-password",
             "at least 12 characters"),
            ({"staff-password": "riverbooks123456", "staff-confirm": "riverbooks123456",
              "staff-email": "riverbooks@riverbooks.example"}, "staff-password",
             "email address in your password"),
            ({"staff-confirm": "something else entirely"}, "staff-confirm", "do not match"),
            ({"staff-email": "not an address"}, "staff-email", "")]:
        response = post_form(client, f"{page}/staff", {**STAFF, **changes}, token_page=page)
        assert response.status_code == 400
        assert message in (error_of(response.get_data(as_text=True), field) or "NONE"), changes
    assert StaffUser.select().where(StaffUser.partner.is_null(False)).count() == 0

    response = post_form(client, f"{page}/staff", STAFF, token_page=page)
    assert response.status_code == 302
    member = StaffUser.get(StaffUser.email_key == "rita@riverbooks.example")
    assert (member.roles, member.partner_id, member.name) == ("partner", partner.id,
                                                              "Rita Reader")
    html = client.get(page).get_data(as_text=True)
    assert "Rita Reader" in html and "rita@riverbooks.example" in html
    # An email any staff account has already is refused.
    response = post_form(client, f"{page}/staff",
                         {**STAFF, "staff-email": "ADMIN@staff.example.com"}, token_page=page)
    assert "already exists" in error_of(response.get_data(as_text=True), "staff-email")
    # The login opens the partner's portal.
    assert member.must_change_password  # the admin chose it: Rita chooses her own first
    portal = app.test_client()
    assert staff_sign_in(portal, "rita@riverbooks.example", "paper cranes fly south") \
        .status_code == 302
    assert portal.get("/partner/customers").location.endswith("/staff/password")
    assert change(portal, current="paper cranes fly south").status_code == 302
    assert portal.get("/partner/customers").status_code == 200


def test_a_stopped_partner_login_cannot_sign_in_and_its_session_ends(app, db):
    partner = make_partner("riverbooks", name="Riverbooks")
    other = make_partner("northwind", name="Northwind")
    client = signed_in(app)
    page = f"/staff/partners/{partner.id}"
    post_form(client, f"{page}/staff", STAFF, token_page=page)
    member = StaffUser.get(StaffUser.email_key == "rita@riverbooks.example")
    portal = app.test_client()
    staff_sign_in(portal, member.email, "paper cranes fly south")
    change(portal, current="paper cranes fly south", new="paper cranes fly north")
    assert portal.get("/partner/customers").status_code == 200
    # Another partner's page cannot reach it.
    response = post_form(client, f"/staff/partners/{other.id}/staff/{member.id}/deactivate",
                         {}, token_page=page)
    assert response.status_code == 404
    assert StaffUser.get_by_id(member.id).is_active

    response = post_form(client, f"{page}/staff/{member.id}/deactivate", {}, token_page=page)
    assert response.status_code == 302
    assert not StaffUser.get_by_id(member.id).is_active
    assert AccountSession.select().where(AccountSession.staff == member.id).count() == 0
    ended = portal.get("/partner/customers")
    assert ended.status_code == 302 and "/staff/login" in ended.location
    refused = staff_sign_in(app.test_client(), member.email, "paper cranes fly north")
    assert refused.status_code == 400 and "not right" in refused.get_data(as_text=True)
    assert "stopped" in client.get(page).get_data(as_text=True)

    post_form(client, f"{page}/staff/{member.id}/reactivate", {}, token_page=page)
    assert staff_sign_in(app.test_client(), member.email, "paper cranes fly north") \
        .status_code == 302
    # A button without its CSRF token changes nothing.
    assert client.post(f"{page}/staff/{member.id}/deactivate").status_code == 400
    assert StaffUser.get_by_id(member.id).is_active


def test_adding_stopping_and_restarting_a_login_is_audited_naming_the_partner(app, db):
    partner = make_partner("riverbooks", name="Riverbooks")
    client = signed_in(app)
    admin = StaffUser.by_email_key("admin@staff.example.com")
    page = f"/staff/partners/{partner.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Give the first password to the person yourself" in html
    assert "safe channel" in html and "change it" in html
    assert post_form(client, f"{page}/staff", STAFF, token_page=page).status_code == 302
    member = StaffUser.get(StaffUser.email_key == "rita@riverbooks.example")
    for action in ("deactivate", "reactivate"):
        response = post_form(client, f"{page}/staff/{member.id}/{action}", {}, token_page=page)
        assert response.status_code == 302
    # Restarting a login that was never stopped changes nothing, and records nothing.
    post_form(client, f"{page}/staff/{member.id}/reactivate", {}, token_page=page)
    who = (admin.id, AuditEvent.CHANGED, None, "rita@riverbooks.example")
    assert audit_trail() == [
        (*who, f"partner login {verb} for partner riverbooks (Riverbooks)")
        for verb in ("added", "stopped", "restarted")]
    assert all(event.ip for event in AuditEvent.select())
    # A refused login is no login: nothing more is recorded.
    post_form(client, f"{page}/staff", {**STAFF, "staff-confirm": "x"}, token_page=page)
    assert len(audit_trail()) == 3


def test_marketing_can_never_make_a_login_that_reads_a_partners_customers(app, db):
    partner = make_partner("riverbooks", name="Riverbooks")
    victim = make_customer(email="victim@example.com")
    Customer.update(partner=partner).where(Customer.id == victim.id).execute()
    member = make_staff("partner", email="rita@riverbooks.example")
    StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()
    client = signed_in(app, "marketing")
    assert client.get("/partner/customers").status_code == 403
    page = f"/staff/partners/{partner.id}"
    html = client.get(page).get_data(as_text=True)
    assert "rita@riverbooks.example" in html  # the logins are listed...
    assert "Add the login" not in html and "Stop this login" not in html  # ...not changed
    assert "Only an admin" in html
    app.config["WTF_CSRF_ENABLED"] = False  # refused for the role, not for a missing token
    try:
        for path, data in [(f"{page}/staff", {**STAFF, "staff-email": "mole@example.com"}),
                           (f"{page}/staff/{member.id}/deactivate", {}),
                           (f"{page}/staff/{member.id}/reactivate", {})]:
            assert client.post(path, data=data).status_code == 403, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert StaffUser.select().where(StaffUser.partner == partner).count() == 1
    assert StaffUser.get_by_id(member.id).is_active
    assert staff_sign_in(app.test_client(), "mole@example.com", STAFF["staff-password"]) \
        .status_code == 400
    assert audit_trail() == []
