"""Staff: separate sign-in, stronger passwords, lockout, idle timeout, roles per route."""
from datetime import timedelta

import pytest
import time_machine

from storefront.accounts import service, staff
from storefront.accounts.models import STAFF_ROLES, AccountSession, Customer, StaffUser
from storefront.db import utcnow

from tests.factories import (STAFF_PASSWORD, address, make_customer, make_product, make_staff,
                             post_form, sign_in, staff_sign_in)


def test_staff_add_command_creates_an_account_with_roles(runner, db):
    result = runner.invoke(args=["staff", "add", "Boss@Example.com", "--role", "admin",
                                 "--role", "care", "--name", "Boss", "--password",
                                 STAFF_PASSWORD])
    assert result.exit_code == 0, result.output
    member = StaffUser.get()
    assert (member.email_key, member.roles) == ("boss@example.com", "care admin")
    assert member.password_hash.startswith("$argon2id$")


def test_staff_passwords_need_twelve_characters(runner, db):
    result = runner.invoke(args=["staff", "add", "x@example.com", "--role", "care",
                                 "--password", "short pass1"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    with pytest.raises(service.AccountError, match="Roles must be among"):
        staff.create_staff("y@example.com", "", ["janitor"], STAFF_PASSWORD)
    assert StaffUser.select().count() == 0


def test_staff_sign_in_is_separate_from_customers(client, db):
    make_staff("care")
    make_customer()
    # A customer's credentials do not open the staff pages, nor the other way round.
    assert "not right" in staff_sign_in(client, "ada@example.com", "correct horse battery staple") \
        .get_data(as_text=True)
    assert "not right" in sign_in(client, "care@staff.example.com", STAFF_PASSWORD) \
        .get_data(as_text=True)
    response = staff_sign_in(client, "care@staff.example.com")
    assert response.status_code == 302 and response.location.endswith("/staff/")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Hello, Staff care" in html and "Your roles: care" in html
    assert client.get_cookie("sf_remember") is None


def test_staff_lock_out_after_ten_failures_for_thirty_minutes(app, client, db):
    member = make_staff("care")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            staff_sign_in(app.test_client(), member.email, "wrong password!!")
        response = staff_sign_in(client, member.email)  # the right password, but locked
        assert "locked for 30 minutes" in response.get_data(as_text=True)
        until = staff.staff_locked_until(member, app.config["SECRET_KEY"])
        assert until == start + timedelta(minutes=30)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert staff_sign_in(app.test_client(), member.email).status_code == 400
    with time_machine.travel(start + timedelta(minutes=30, seconds=5), tick=False):
        assert staff_sign_in(app.test_client(), member.email).status_code == 302
        assert staff.staff_locked_until(member, app.config["SECRET_KEY"]) is None


def test_failures_spread_over_time_do_not_lock(app, db):
    member = make_staff("care")
    start = utcnow()
    for hour in range(12):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            staff_sign_in(app.test_client(), member.email, "wrong password!!")
    with time_machine.travel(start + timedelta(hours=12), tick=False):
        assert staff_sign_in(app.test_client(), member.email).status_code == 302


def test_the_lock_does_not_tell_which_staff_emails_exist(app, db):
    make_staff("care")
    answers = {}
    for email in ("care@staff.example.com", "nobody@staff.example.com"):
        for _ in range(10):
            staff_sign_in(app.test_client(), email, "wrong password!!")
        answers[email] = staff_sign_in(app.test_client(), email, "wrong password!!") \
            .get_data(as_text=True)
    assert all("locked for 30 minutes" in html for html in answers.values())


def test_an_admin_can_unlock_a_locked_account(app, client, db):
    member = make_staff("care")
    make_staff("admin")
    for _ in range(10):
        staff_sign_in(app.test_client(), member.email, "wrong password!!")
    staff_sign_in(client, "admin@staff.example.com")
    assert "Locked until" in client.get("/staff/team").get_data(as_text=True)
    post_form(client, f"/staff/team/{member.id}/unlock", {}, token_page="/staff/team")
    assert staff.staff_locked_until(member, app.config["SECRET_KEY"]) is None
    assert "Locked" not in client.get("/staff/team").get_data(as_text=True)
    assert staff_sign_in(app.test_client(), member.email).status_code == 302


def test_staff_sessions_end_after_fifteen_idle_minutes(client, db):
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    assert client.get("/staff/").status_code == 200
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.get("/staff/").status_code == 200  # activity keeps it alive
    with time_machine.travel(start + timedelta(minutes=14 + 14, seconds=30), tick=False):
        assert client.get("/staff/").status_code == 200  # 14.5 idle minutes: still alive
    with time_machine.travel(start + timedelta(minutes=14 + 14 + 16), tick=False):
        response = client.get("/staff/")
        assert response.status_code == 302 and "/staff/login" in response.location
    assert AccountSession.select().count() == 0


def test_staff_logout_ends_the_session(app, client, db):
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    copied = client.get_cookie("sf_session").value
    post_form(client, "/staff/logout", {}, token_page="/staff/")
    thief = app.test_client()
    thief.set_cookie("sf_session", copied)
    assert thief.get("/staff/").status_code == 302


# --- The role matrix: every staff route, every role, a customer, anonymous. ----------------

def staff_routes(app):
    """Every (rule, method, allowed roles) whose view declares its staff roles."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "staff_roles", None)
        if roles is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, roles


# Blueprints whose pages are for everyone; a new one must be added here knowingly.
PUBLIC_BLUEPRINTS = {"catalogue", "cart", "accounts", "privacy", "checkout", "orders", "giftcards",
                     "cards", "cobrand", "optout", "support", "rights", "marketing",
                     "security", "ops"}  # ops: /healthz, and /metrics (its own rule: ops tests)
PUBLIC_ENDPOINTS = {"static", "staff.login", "staff.logout"}


def test_every_other_route_declares_its_staff_roles(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            continue
        assert getattr(app.view_functions[rule.endpoint], "staff_roles", None), \
            f"{rule.rule} is neither public nor declares its staff roles"
    assert list(staff_routes(app)), "no staff routes found"


def test_the_password_routes_are_in_the_matrix(app):
    declared = {(rule.rule, method): roles for rule, method, roles in staff_routes(app)}
    for method in ("GET", "POST"):
        assert declared[("/staff/password", method)] == frozenset(STAFF_ROLES)
    assert declared[("/staff/team/<int(max=2147483647):staff_id>/password", "POST")] == \
        frozenset({"admin"})


def _records():
    """Records that exist, for filling in staff URLs: {argument name: value}, and a default."""
    from storefront.mail.models import OutboxMessage
    from storefront.orders import service as orders
    from storefront.partners.models import Partner
    from storefront.marketing.models import Campaign, Contest, PromoCode, Promotion
    from storefront.privacy.models import Disclosure
    from storefront.support.models import Correspondence
    from storefront.tracking.models import Banner
    staff_id = make_staff("admin", email="other-admin@staff.example.com").id
    # The records belong to a partner, so the partner role finds its own in its portal.
    partner = Partner.create(slug="matrix", name="Matrix", privacy_url="https://m.example.com")
    customer = make_customer(email="partnered@example.com")
    Customer.update(partner=partner).where(Customer.id == customer.id).execute()
    order, _ = orders.record_order("MTRX-2345", customer, "x@example.com", "", address(),
                                   address(), "standard", 595,
                                   [orders.LineRequest(product := make_product(), 1)], [], "",
                                   attribution={"partner": partner})
    message = OutboxMessage.create(message_id="<matrix@example.com>", category="test",
                                   recipient="x@example.com", subject="s", body_text="t")
    letter = Correspondence.create(source="email", sender_email="x@example.com", body="matrix")
    contest = Contest.create(title="Matrix", slug="matrix", rules="r", starts_at=utcnow(),
                             ends_at=utcnow() + timedelta(days=1))
    promotion = Promotion.create(title="Matrix", slug="matrix", starts_at=utcnow(),
                                 ends_at=utcnow() + timedelta(days=1))
    code = PromoCode.create(promotion=promotion, code="MATRIX1", kind="percent", amount=5,
                            starts_at=utcnow(), expires_at=utcnow() + timedelta(days=1))
    campaign = Campaign.create(subject="Matrix", body="b", purpose="shop_marketing",
                               audience="customers")
    disclosure = Disclosure.create(customer_id=customer.id, email_key=customer.email_key,
                                   authority="Matrix court", case_reference="M-1",
                                   legal_basis="Matrix order", staff_id=staff_id)
    partner_staff = make_staff("partner", email="matrix-partner@staff.example.com")
    StaffUser.update(partner=partner).where(StaffUser.id == partner_staff.id).execute()
    banner = Banner.create(partner=partner, placement="home", target_url="/")
    return {"number": order.number, "line_id": order.lines.get().id, "message_id": message.id,
            "customer_id": customer.id, "partner": partner, "partner_id": partner.id,
            "staff_id": partner_staff.id, "correspondence_id": letter.id,
            "disclosure_id": disclosure.id, "contest_id": contest.id,
            "promotion_id": promotion.id, "code_id": code.id, "campaign_id": campaign.id,
            "product_id": product.id, "category_id": product.category_id,
            "banner_id": banner.id}, staff_id


def _url(rule, records, default):
    """The rule's URL, every argument filled with a record that exists."""
    return rule.build({name: records.get(name, default) for name in rule.arguments},
                      append_unknown=False)[1]


@pytest.mark.parametrize("who", ["anonymous", "customer", *STAFF_ROLES])
def test_role_matrix(app, db, who):
    client = app.test_client()
    records, record_id = _records()
    if who == "customer":
        make_customer()
        sign_in(client)
    elif who != "anonymous":
        member = make_staff(who)
        if who == "partner":
            StaffUser.update(partner=records["partner"]).where(StaffUser.id == member.id) \
                .execute()
        staff_sign_in(client, f"{who}@staff.example.com")
    checked = 0
    app.config["WTF_CSRF_ENABLED"] = False  # refused POSTs must be refused by role, not by token
    try:
        for rule, method, roles in staff_routes(app):
            response = client.open(_url(rule, records, record_id), method=method)
            if who == "anonymous":
                assert response.status_code == 302 and "/staff/login" in response.location, rule
            elif who == "customer" or who not in roles:
                assert response.status_code == 403, (who, rule.rule, method)
            else:
                # Let in: a page, or an empty form refused for what it lacks (400), never
                # refused for who is asking.
                assert response.status_code < 400 or (
                    method == "POST" and response.status_code == 400), (who, rule.rule, method)
                assert "/staff/login" not in (response.location or ""), (who, rule.rule)
            checked += 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert checked >= 3


def test_staff_can_be_listed_and_unlocked_from_the_command_line(app, runner, db):
    member = make_staff("admin")
    for _ in range(10):
        staff_sign_in(app.test_client(), member.email, "wrong password!!")
    listing = runner.invoke(args=["staff", "list"]).output
    assert "admin@staff.example.com" in listing and "LOCKED" in listing
    result = runner.invoke(args=["staff", "unlock", "ADMIN@staff.example.com"])
    assert result.exit_code == 0 and "is unlocked" in result.output
    assert "active" in runner.invoke(args=["staff", "list"]).output
    assert runner.invoke(args=["staff", "unlock", "nobody@example.com"]).exit_code != 0


def test_tries_during_the_lock_do_not_extend_it(app, db):
    member = make_staff("care")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            staff_sign_in(app.test_client(), member.email, "wrong password!!")
    for minutes in range(3, 30, 3):  # someone keeps trying while it is locked
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert "locked" in staff_sign_in(app.test_client(), member.email, "wrong password!!") \
                .get_data(as_text=True)
    with time_machine.travel(start + timedelta(minutes=30, seconds=5), tick=False):
        assert staff_sign_in(app.test_client(), member.email).status_code == 302


def test_a_huge_id_in_a_staff_url_is_not_found(client, db):
    make_staff("admin")
    staff_sign_in(client, "admin@staff.example.com")
    response = post_form(client, "/staff/team/99999999999999999999999/unlock", {},
                         token_page="/staff/team")
    assert response.status_code == 404
