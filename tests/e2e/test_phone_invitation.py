"""In Chromium: a care associate emails a guest caller an invitation from the order's page; the
caller opens the delivered link, chooses a password by the form's labels, and lands on the
order in their new account. Both pages pass axe-core."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from storefront.orders.models import Order
from tests.care.test_customers import place as record_order
from tests.e2e.test_checkout import heading
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.e2e.test_fulfilment import body, run_mail_worker
from tests.factories import make_staff

pytestmark = pytest.mark.e2e
PASSWORD = "a caller's own passphrase"


def test_a_caller_opens_an_account_from_the_invitation_care_emailed(
        app, db, new_context, smtp_sink, database_url):
    order = record_order("K7QM-3XPD", email="cal@example.com", phone="+12175550177",
                         channel=Order.PHONE)
    make_staff("care", name="Cara Care")
    care = staff_page(new_context, "care@staff.example.com")
    care.goto(f"/care/orders/{order.number}")
    invitation = care.get_by_role("region", name="Account")
    expect(invitation).to_contain_text("only when the caller asks")
    invitation.get_by_role("button", name="Email an invitation to open an account").click()
    expect(care.get_by_role("status")).to_contain_text(
        "on its way to cal@example.com")
    expect(invitation).to_contain_text("Last invitation sent")
    assert_no_serious_axe_violations(care)

    run_mail_worker(database_url, smtp_sink)
    [mail] = smtp_sink.messages()
    link = re.search(r"http://\S+/checkout/invitation/\S+", body(mail)).group(0)
    caller = new_context().new_page()
    caller.goto(urlsplit(link).path)
    expect(heading(caller)).to_have_text("Open your account")
    expect(caller.get_by_role("main")).to_contain_text(order.number)
    assert_no_serious_axe_violations(caller)
    caller.get_by_label("Choose a password").fill(PASSWORD)
    caller.get_by_label("Repeat the password").fill("not the same")
    caller.get_by_role("button", name="Open my account").click()
    expect(caller.get_by_text("The passwords do not match.")).to_be_visible()
    assert_no_serious_axe_violations(caller)
    caller.get_by_label("Choose a password").fill(PASSWORD)
    caller.get_by_label("Repeat the password").fill(PASSWORD)
    caller.get_by_role("button", name="Open my account").click()
    expect(heading(caller)).to_have_text(f"Order {order.number}")
    expect(caller.get_by_role("main")).to_contain_text("Your account is ready")
    assert Order.get_by_id(order.id).customer.email == "cal@example.com"
