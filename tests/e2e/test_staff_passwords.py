"""A partner login an admin adds in the back office must choose its own password before the
portal opens, then signs in with it (a copy of the session it had is signed out); an admin
sets a temporary password with their own; the password pages pass the accessibility check."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import StaffUser
from storefront.mail.models import OutboxMessage
from storefront.accounts.staff import create_staff
from storefront.partners import service as partners
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.factories import STAFF_PASSWORD

pytestmark = pytest.mark.e2e
FIRST = "borrowed umbrella at noon"
OWN = "lanterns over the harbour"


def sign_in(page, email, password):
    page.goto("/staff/login")
    page.get_by_label("Staff email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_partner_login_chooses_its_own_password_before_the_portal_opens(new_context, db):
    partners.add_partner("riverbooks", "Riverbooks", "https://riverbooks.example/privacy")
    create_staff("admin@staff.example.com", "Admin", ["admin"], STAFF_PASSWORD)

    admin = staff_page(new_context, "admin@staff.example.com")
    admin.get_by_role("link", name="Partners and banners").click()
    admin.get_by_role("link", name="Riverbooks").click()
    form = admin.get_by_role("form", name="Add a staff login")
    form.get_by_label("Name").fill("Rita Reader")
    form.get_by_label("Email").fill("rita@riverbooks.example")
    form.get_by_label("First password (at least 12 characters)").fill(FIRST)
    form.get_by_label("Repeat the password").fill(FIRST)
    form.get_by_role("button", name="Add the login").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "they choose their own when they first sign in")
    assert StaffUser.by_email_key("rita@riverbooks.example").must_change_password

    rita = new_context().new_page()
    sign_in(rita, "rita@riverbooks.example", FIRST)
    expect(heading(rita)).to_have_text("Change your password")
    expect(rita.get_by_role("status")).to_contain_text("Someone else chose your password")
    assert_no_serious_axe_violations(rita)
    rita.goto("/partner/customers")  # the portal waits
    expect(heading(rita)).to_have_text("Change your password")
    assert rita.url.endswith("/staff/password")

    rita.get_by_label("Current password").fill(FIRST)
    rita.get_by_label("New password (at least 12 characters)").fill("short pass1")
    rita.get_by_label("Repeat the new password").fill("short pass1")
    rita.get_by_role("button", name="Change the password").click()
    expect(rita.locator("#new_password-error")).to_contain_text("Use at least 12 characters.")
    expect(rita.get_by_label("New password (at least 12 characters)")).to_have_attribute(
        "aria-invalid", "true")
    assert_no_serious_axe_violations(rita)

    # A copy of her cookies, as someone who took them would hold: it works until she changes.
    stolen = new_context(storage_state=rita.context.storage_state()).new_page()
    stolen.goto("/staff/password")
    expect(heading(stolen)).to_have_text("Change your password")

    rita.get_by_label("Current password").fill(FIRST)
    rita.get_by_label("New password (at least 12 characters)").fill(OWN)
    rita.get_by_label("Repeat the new password").fill(OWN)
    rita.get_by_role("button", name="Change the password").click()
    expect(rita.get_by_role("status")).to_contain_text("Your password is changed")
    rita.get_by_role("link", name="Reports of your traffic").wait_for()
    rita.goto("/partner/customers")
    expect(heading(rita)).to_have_text("Your customers")
    stolen.goto("/partner/customers")  # her session changed: the copy is signed out
    expect(heading(stolen)).to_have_text("Staff sign-in")

    rita.get_by_role("button", name="Sign out").click()
    expect(heading(rita)).to_have_text("Staff sign-in")
    sign_in(rita, "rita@riverbooks.example", FIRST)
    expect(rita.get_by_role("alert")).to_contain_text("not right")
    sign_in(rita, "rita@riverbooks.example", OWN)
    expect(heading(rita)).to_have_text(re.compile("^Hello, Rita Reader"))
    rita.goto("/partner/customers")
    expect(heading(rita)).to_have_text("Your customers")


def test_the_team_page_with_its_temporary_password_forms_is_accessible(new_context, db):
    create_staff("admin@staff.example.com", "Admin", ["admin"], STAFF_PASSWORD)
    create_staff("care@staff.example.com", "Cara", ["care"], STAFF_PASSWORD)
    admin = staff_page(new_context, "admin@staff.example.com")
    admin.get_by_role("link", name="Staff accounts").click()
    row = admin.get_by_role("row").filter(has_text="care@staff.example.com")
    row.get_by_text("Set a temporary password").click()
    row.get_by_role("button", name="Set the temporary password").click()
    expect(row.locator("details")).to_have_attribute("open", "")
    expect(admin.get_by_label("Temporary password for care@staff.example.com", exact=True)) \
        .to_have_attribute("aria-invalid", "true")
    assert_no_serious_axe_violations(admin)

    row.get_by_label("Temporary password for care@staff.example.com", exact=True).fill(FIRST)
    row.get_by_label("Repeat the temporary password for care@staff.example.com").fill(FIRST)
    row.get_by_label("Your own password").fill("a guess at the password")
    row.get_by_role("button", name="Set the temporary password").click()
    expect(row.get_by_label("Your own password")).to_have_attribute("aria-invalid", "true")
    expect(row.locator(".error")).to_have_text("Your own password is not right.")
    assert not StaffUser.by_email_key("care@staff.example.com").must_change_password

    row.get_by_label("Temporary password for care@staff.example.com", exact=True).fill(FIRST)
    row.get_by_label("Repeat the temporary password for care@staff.example.com").fill(FIRST)
    row.get_by_label("Your own password").fill(STAFF_PASSWORD)
    row.get_by_role("button", name="Set the temporary password").click()
    expect(admin.get_by_role("status")).to_contain_text("we emailed them that it was set")
    expect(row).to_contain_text("Must choose a new password")
    mail = OutboxMessage.get(OutboxMessage.recipient == "care@staff.example.com")
    assert "an administrator, admin (admin@staff.example.com)" in mail.body_text.lower()
    assert FIRST not in mail.body_text and FIRST not in mail.body_html
