"""Legal disclosure (P14): only the legal team opens one, for a person the shop knows, with
an authority, a case reference and a legal basis; it and every download of the person's data
are in the audit log, which admins and the legal team read and nobody can change."""
import json
import re
from datetime import datetime, timedelta

import pytest

from storefront.accounts.models import StaffUser
from storefront.orders import service as orders
from storefront.partners.models import Partner
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent, Disclosure
from tests.factories import address, make_customer, make_product, make_staff, post_form, \
    staff_sign_in

NEW = "/staff/privacy/disclosures/new"
DETAILS = {"email": " Ada@Example.com ", "authority": "Springfield District Court",
           "case_reference": "SDC-2026-0412",
           "legal_basis": "Production order of 3 March 2026 under the Evidence Act, s. 12"}


def staff_client(app, role, **overrides):
    member = make_staff(role, **overrides)
    if role == "partner":
        partner = Partner.create(slug="p", name="P", privacy_url="https://p.example.com")
        StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()
    client = app.test_client()
    staff_sign_in(client, member.email)
    return client, member


def place(number, customer, email):
    order, _ = orders.record_order(number, customer, email, "+12175550134", address(),
                                   address(), "standard", 595,
                                   [orders.LineRequest(make_product(), 1)], [], "")
    return order


def events():
    return [(e.staff_id, e.action, e.customer_id, e.email_key, e.what)
            for e in AuditEvent.select().order_by(AuditEvent.id)]


def error_of(html, field):
    """The message shown next to a field, or None."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def open_disclosure(client, **changes):
    return post_form(client, NEW, {**DETAILS, **changes})


def test_a_legal_user_opens_a_disclosure_and_the_audit_log_shows_it(app, db):
    ada = make_customer()
    make_customer(name="Bob Other", email="bob@example.com")
    client, member = staff_client(app, "legal")
    assert "Open a legal disclosure" in client.get("/staff/").get_data(as_text=True)
    response = open_disclosure(client)
    disclosure = Disclosure.get()
    assert response.status_code == 302
    assert response.location.endswith(f"/staff/privacy/disclosures/{disclosure.id}")
    assert (disclosure.customer_id, disclosure.email_key, disclosure.staff_id) == \
        (ada.id, "ada@example.com", member.id)
    assert (disclosure.authority, disclosure.case_reference, disclosure.legal_basis) == \
        (DETAILS["authority"], DETAILS["case_reference"], DETAILS["legal_basis"])
    assert events() == [(member.id, "disclosed", ada.id, "ada@example.com",
                         f"disclosure {disclosure.id} to Springfield District Court, "
                         "case SDC-2026-0412")]

    page = client.get(response.location).get_data(as_text=True)
    assert "is recorded in the audit log" in page and "Production order of 3 March" in page
    assert "Download the person's data (JSON)" in page
    assert "SDC-2026-0412" in client.get("/staff/privacy/disclosures").get_data(as_text=True)
    log = client.get("/staff/privacy/audit").get_data(as_text=True)
    assert "Disclosed" in log and "case SDC-2026-0412" in log
    assert "Staff legal &lt;legal@staff.example.com&gt;" in log
    assert f"account {ada.id}, ada@example.com" in log


def test_the_download_holds_that_persons_data_and_every_download_is_recorded(app, db):
    ada = make_customer()
    bob = make_customer(name="Bob Other", email="bob@example.com")
    place("ADAA-2345", ada, "ada@example.com")
    place("BOBB-2345", bob, "bob@example.com")
    place("GADA-2345", None, "ADA@example.com")  # before the account: a guest order
    client, member = staff_client(app, "legal")
    open_disclosure(client)
    disclosure = Disclosure.get()
    url = f"/staff/privacy/disclosures/{disclosure.id}/data.json"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="disclosure-{disclosure.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    payload = json.loads(response.get_data(as_text=True))
    assert payload["disclosure"]["case_reference"] == "SDC-2026-0412"
    assert payload["disclosure"]["authority"] == "Springfield District Court"
    text = json.dumps(payload["data"])
    assert "ADAA-2345" in text and "GADA-2345" in text and "Ada Shopper" in text
    assert "BOBB-2345" not in text and "bob@example.com" not in text and "Bob" not in text
    client.get(url)
    exported = (member.id, "exported", ada.id, "ada@example.com",
                f"disclosure {disclosure.id}: the person's data as JSON")
    assert events()[1:] == [exported, exported]


def test_a_guest_address_with_orders_is_a_person_and_an_unknown_address_is_not(app, db):
    place("GUSS-2345", None, "Gus@example.com")
    client, member = staff_client(app, "legal")
    assert open_disclosure(client, email="gus@EXAMPLE.com").status_code == 302
    assert (Disclosure.get().customer_id, Disclosure.get().email_key) == \
        (None, "gus@example.com")
    response = open_disclosure(client, email="nobody@example.com")
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "email") == \
        "We hold no account and no order under this address."
    assert Disclosure.select().count() == 1 and len(events()) == 1


def test_every_field_is_required_with_a_message_next_to_it(app, db):
    make_customer()
    client, _ = staff_client(app, "legal")
    response = post_form(client, NEW, {"email": "", "authority": "  ", "case_reference": "",
                                       "legal_basis": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_of(html, "email") == \
        "Enter the email address of the person whose data is asked for."
    assert error_of(html, "authority") == "Enter the authority that asks for the data."
    assert error_of(html, "case_reference") == "Enter the authority&#39;s case reference."
    assert error_of(html, "legal_basis") == \
        "Enter the legal basis: the law, order or warrant the request rests on."
    html = open_disclosure(client, email="not an address",
                           case_reference="C" * 101).get_data(as_text=True)
    assert error_of(html, "email") == "Enter an email address like name@example.com."
    assert error_of(html, "case_reference") == "Field cannot be longer than 100 characters."
    assert post_form(client, NEW, {**DETAILS, "csrf_token": "forged"}).status_code == 400
    assert Disclosure.select().count() == 0 and events() == []


@pytest.mark.parametrize("role", ["care", "fulfilment", "admin", "marketing", "partner"])
def test_only_the_legal_team_opens_a_disclosure_or_downloads_its_data(app, db, role):
    ada = make_customer()
    disclosure = Disclosure.create(customer_id=ada.id, email_key="ada@example.com",
                                   authority="Court", case_reference="C-1",
                                   legal_basis="An order", staff_id=1)
    client, _ = staff_client(app, role)
    assert client.get(NEW).status_code == 403
    assert post_form(client, NEW, DETAILS, token_page="/staff/").status_code == 403
    assert client.get(f"/staff/privacy/disclosures/{disclosure.id}/data.json") \
        .status_code == 403
    assert "legal disclosure" not in client.get("/staff/").get_data(as_text=True)
    assert Disclosure.select().count() == 1 and events() == []


def test_admins_and_the_legal_team_read_the_audit_log_and_no_one_else(app, db):
    ada = make_customer()
    disclosure = Disclosure.create(customer_id=ada.id, email_key="ada@example.com",
                                   authority="Court", case_reference="C-1",
                                   legal_basis="An order", staff_id=1)
    audit.record(AuditEvent.DISCLOSED, "disclosure to Court", staff_id=1, customer_id=ada.id)
    readable = ["/staff/privacy/audit", "/staff/privacy/disclosures",
                f"/staff/privacy/disclosures/{disclosure.id}"]
    for role in ("care", "fulfilment", "marketing", "partner"):
        client, _ = staff_client(app, role)
        for url in readable:
            assert client.get(url).status_code == 403, (role, url)
    admin, _ = staff_client(app, "admin")
    home = admin.get("/staff/").get_data(as_text=True)
    assert "Audit log" in home and "Legal disclosures" in home and "Correspondence" in home
    assert "disclosure to Court" in admin.get(readable[0]).get_data(as_text=True)
    assert "C-1" in admin.get(readable[1]).get_data(as_text=True)
    page = admin.get(readable[2]).get_data(as_text=True)
    assert "An order" in page and "Download" not in page and "Open a disclosure" not in page
    # Reading the log adds nothing to it; the disclosure pages show a person, so they do.
    assert [event[4] for event in events()] == [
        "disclosure to Court", "disclosures list (1 person)", f"disclosure {disclosure.id}"]


def test_the_audit_page_filters_by_staff_person_action_and_date(app, db):
    ada = make_customer()
    client, member = staff_client(app, "legal")
    other = make_staff("care")
    day = datetime(2026, 3, 10, 12)
    for staff_id, action, customer_id, key, what, at in [
            (other.id, AuditEvent.VIEWED, ada.id, "", "order by id", day),
            (other.id, AuditEvent.VIEWED, None, "ada@example.com", "mail by address",
             day + timedelta(days=1)),
            (member.id, AuditEvent.EXPORTED, None, "bob@example.com", "bob's file",
             day + timedelta(days=2))]:
        AuditEvent.create(staff_id=staff_id, action=action, customer_id=customer_id,
                          email_key=key, what=what, at=at)

    def shown(query=""):
        response = client.get(f"/staff/privacy/audit?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
        return [what for what in ("order by id", "mail by address", "bob&#39;s file")
                if what in html]

    assert shown() == ["order by id", "mail by address", "bob&#39;s file"]
    assert shown(f"staff={other.id}") == ["order by id", "mail by address"]
    assert shown(f"person={ada.id}") == ["order by id", "mail by address"]
    assert shown("person=ADA@example.com") == ["order by id", "mail by address"]
    assert shown("person=bob@example.com") == ["bob&#39;s file"]
    assert shown("action=exported") == ["bob&#39;s file"]
    assert shown("since=2026-03-11&until=2026-03-11") == ["mail by address"]
    assert shown("since=2026-03-11") == ["mail by address", "bob&#39;s file"]
    assert shown("since=0001-01-01&until=9999-12-31") == ["order by id", "mail by address",
                                                         "bob&#39;s file"]
    html = client.get("/staff/privacy/audit").get_data(as_text=True)
    assert html.index("bob&#39;s file") < html.index("order by id")  # newest first

    for query, field, message in [
            ("since=2026-02-30", "since", "Not a valid date value."),
            ("since=2026-03-12&until=2026-03-11", "until",
             "The end date is before the start date."),
            ("staff=99999", "staff", "Not a valid choice."),
            ("action=deleted", "action", "Not a valid choice."),
            ("person=" + "x" * 255, "person", "Field cannot be longer than 254 characters.")]:
        response = client.get(f"/staff/privacy/audit?{query}")
        assert response.status_code == 400, query
        assert error_of(response.get_data(as_text=True), field) == message, query
    for query in ("page=0", "page=abc", "page=%C2%B2"):
        assert client.get(f"/staff/privacy/audit?{query}").status_code == 400


def test_the_audit_log_comes_in_pages_that_keep_the_filters(app, db):
    client, member = staff_client(app, "admin")
    for number in range(audit.PAGE_SIZE + 1):
        AuditEvent.create(staff_id=member.id, action=AuditEvent.VIEWED, what=f"look {number:02}",
                          at=datetime(2026, 3, 10) + timedelta(minutes=number))
    first = client.get(f"/staff/privacy/audit?staff={member.id}&person=&x=1") \
        .get_data(as_text=True)
    assert "look 50" in first and "look 01" in first and "look 00" not in first
    older = re.search(r'<a href="([^"]+)">Older</a>', first).group(1)
    assert older == f"/staff/privacy/audit?page=2&amp;staff={member.id}"
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "look 00" in second and "look 01" not in second and ">Newer</a>" in second


def test_no_route_changes_or_removes_a_disclosure_or_an_audit_event(app, db):
    ada = make_customer()
    client, member = staff_client(app, "legal", roles=["legal", "admin"])
    open_disclosure(client)
    disclosure = Disclosure.get()
    before = (list(Disclosure.select().dicts()), list(AuditEvent.select().dicts()))
    mine = {"rights_staff.disclosures", "rights_staff.new_disclosure", "rights_staff.disclosure",
            "rights_staff.download", "rights_staff.audit_log"}
    methods = {rule.endpoint: rule.methods - {"HEAD", "OPTIONS"}
               for rule in app.url_map.iter_rules() if rule.endpoint in mine}
    assert methods == {name: {"GET"} for name in mine} | \
        {"rights_staff.new_disclosure": {"GET", "POST"}}
    base = f"/staff/privacy/disclosures/{disclosure.id}"
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get(base).get_data(as_text=True)).group(1)
    for url in ("/staff/privacy/disclosures", base, f"{base}/data.json", "/staff/privacy/audit",
                NEW):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            if url == NEW and method == "POST":
                continue
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 405, (method, url)
    event = AuditEvent.get()
    for url in (f"{base}/edit", f"{base}/delete", f"/staff/privacy/audit/{event.id}",
                f"/staff/privacy/audit/{event.id}/delete"):
        for method in ("GET", "POST", "DELETE"):
            assert client.open(url, method=method, data={"csrf_token": token}) \
                .status_code == 404, (method, url)
    unchanged = AuditEvent.select().where(AuditEvent.action != AuditEvent.VIEWED)
    assert (list(Disclosure.select().dicts()), list(unchanged.dicts())) == \
        (before[0], [row for row in before[1] if row["action"] != AuditEvent.VIEWED])
    assert ada.id == disclosure.customer_id


def test_a_disclosure_carries_only_what_the_inventory_lets_an_authority_have(db):
    """Messages to Customer Care are shared with nobody (P10): not in a legal disclosure
    either, which follows the inventory's shares like every other payload."""
    from storefront.privacy import inventory
    from storefront.rights.export import person_data
    from storefront.support.models import Correspondence
    customer = make_customer()
    Correspondence.create(source="email", sender_email=customer.email, customer=customer,
                          body="confidential words")
    disclosed = person_data(customer.id, customer.email, recipient=inventory.LEGAL)
    keys = {item["key"] for item in disclosed["items"]}
    assert "identity" in keys and "correspondence" not in keys and "mail" not in keys
    assert "confidential words" not in str(disclosed)
    assert "confidential words" in str(person_data(customer.id, customer.email))
