"""Issue 7 in Chromium: a member of the legal team opens a disclosure for a customer and
downloads their data; the audit log shows both; an admin reading the log finds no way to
change it, and a POST straight to the disclosure's address is refused."""
import json
import re

import pytest
from playwright.sync_api import expect

from storefront.privacy.models import AuditEvent, Disclosure
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.factories import STAFF_PASSWORD, make_customer, make_staff

pytestmark = pytest.mark.e2e

AUTHORITY = "Springfield District Court"
CASE = "SDC-2026-0412"
BASIS = "Production order of 3 March 2026 under the Evidence Act, section 12"


def sign_in_as_staff(page, email):
    page.goto("/staff/login")
    page.get_by_label("Staff email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_a_disclosure_and_its_download_are_in_the_audit_log_which_nobody_can_change(
        db, new_context):
    ada = make_customer(name="Ada Shopper", email="ada.shopper@example.com")
    make_customer(name="Bob Other", email="bob@example.com")
    make_staff("legal", name="Lena Legal")
    make_staff("admin", name="Adam Admin")

    legal = new_context().new_page()
    sign_in_as_staff(legal, "legal@staff.example.com")
    legal.get_by_role("link", name="Open a legal disclosure").click()
    expect(legal.get_by_role("heading", level=1)).to_have_text("Open a legal disclosure")
    legal.get_by_role("button", name="Open the disclosure").click()  # nothing filled in
    expect(legal.get_by_text("Enter the authority that asks for the data.")).to_be_visible()
    expect(legal.get_by_label("Case reference")).to_have_attribute("aria-invalid", "true")
    assert_no_serious_axe_violations(legal)
    legal.get_by_label("The person's email address").fill("Ada.Shopper@example.com")
    legal.get_by_label("Authority").fill(AUTHORITY)
    legal.get_by_label("Case reference").fill(CASE)
    legal.get_by_label("Legal basis").fill(BASIS)
    legal.get_by_role("button", name="Open the disclosure").click()
    disclosure = Disclosure.get()
    expect(legal.get_by_role("status")).to_have_text(
        f"Disclosure {disclosure.id} is recorded in the audit log.")
    expect(legal.get_by_role("heading", level=1)).to_have_text(f"Disclosure {disclosure.id}")
    assert (disclosure.customer_id, disclosure.authority, disclosure.case_reference,
            disclosure.legal_basis) == (ada.id, AUTHORITY, CASE, BASIS)

    with legal.expect_download() as download_info:
        legal.get_by_role("link", name="Download the person's data (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"disclosure-{disclosure.id}.json"
    with open(download.path(), encoding="utf-8") as file:
        payload = json.load(file)
    assert payload["disclosure"]["case_reference"] == CASE
    text = json.dumps(payload["data"])
    assert "ada.shopper@example.com" in text and "bob@example.com" not in text

    legal.goto("/staff/")
    legal.get_by_role("link", name="Audit log: who looked at whose data").click()
    rows = legal.locator("tbody tr")
    # Newest first: the download, the look at the disclosure's page, the disclosure.
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Exported")
    expect(rows.nth(0)).to_contain_text(f"disclosure {disclosure.id}: the person's data as JSON")
    expect(rows.nth(1)).to_contain_text("Viewed")
    expect(rows.nth(2)).to_contain_text("Disclosed")
    expect(rows.nth(2)).to_contain_text(f"to {AUTHORITY}, case {CASE}")
    for row in (rows.nth(0), rows.nth(1), rows.nth(2)):
        expect(row).to_contain_text("Lena Legal")
        expect(row).to_contain_text(f"account {ada.id}, ada.shopper@example.com")
    assert_no_serious_axe_violations(legal)

    admin_context = new_context()
    admin = admin_context.new_page()
    sign_in_as_staff(admin, "admin@staff.example.com")
    admin.get_by_role("link", name="Audit log: who looked at whose data").click()
    expect(admin.locator("tbody tr")).to_have_count(3)
    admin.get_by_label("Action").select_option("Disclosed")
    admin.get_by_role("button", name="Show events").click()
    expect(admin.locator("tbody tr")).to_have_count(1)
    expect(admin.locator("tbody tr")).to_contain_text(CASE)
    change = re.compile(r"edit|delete|remove|change|erase", re.IGNORECASE)
    page_body = admin.locator("main")  # the frame's own links (change password) are no edits
    expect(page_body.get_by_role("link", name=change)).to_have_count(0)
    expect(page_body.get_by_role("button", name=change)).to_have_count(0)
    expect(admin.locator("main form[method=post]")).to_have_count(0)  # only the GET filter

    admin.goto("/staff/")
    admin.get_by_role("link", name="Legal disclosures").click()
    admin.get_by_role("link", name=re.compile(r"^\d{4}-\d\d-\d\d")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Disclosure {disclosure.id}")
    expect(admin.get_by_role("link", name=re.compile("Download"))).to_have_count(0)
    expect(admin.get_by_role("button", name=change)).to_have_count(0)
    token = admin.locator("input[name=csrf_token]").first.get_attribute("value")
    before = (list(Disclosure.select().dicts()), list(AuditEvent.select().dicts()))
    for url in (admin.url, f"{admin.url}/data.json", "/staff/privacy/audit"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = admin_context.request.fetch(url, method=method,
                                                   form={"csrf_token": token,
                                                         "case_reference": "changed"})
            assert response.status == 405, (method, url)
    assert (list(Disclosure.select().dicts()), list(AuditEvent.select().dicts())) == before
