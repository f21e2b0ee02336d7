"""The orders overview (issue 11): every order, filtered by state or line status, the days
it was placed, channel, partner and the link that brought it; newest first, a page at a
time; audited; open to care, fulfilment and admin, while call notes stay care's."""
import re
from datetime import datetime, timedelta
from unittest import mock

import pytest

from storefront.care import order_filters
from storefront.db import utcnow
from storefront.orders.models import Order, OrderLine
from storefront.partners.service import add_staff
from storefront.privacy.models import AuditEvent
from storefront.support import notes
from storefront.support.models import CallNote
from storefront.tracking.models import Banner, Touch
from tests.care.conftest import post_once
from tests.care.test_customers import place
from tests.factories import (STAFF_PASSWORD, add_to_cart, checkout, make_customer,
                             make_product, make_staff, post_form, sign_in, staff_sign_in)
from tests.partners.conftest import make_partner

LIST = "/care/orders/"


def signed_in(app, role="care", **fields):
    """A client signed in as a staff member of the role (the member is client.staff)."""
    client = app.test_client()
    client.staff = make_staff(role, **fields)
    staff_sign_in(client, client.staff.email)
    return client


def listed(client, **query):
    """The order numbers the list shows, in its order."""
    response = client.get(LIST, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'<tr data-order="([A-Z0-9-]+)">', response.get_data(as_text=True))


def row(client, number, **query):
    """The HTML of one order's row."""
    html = client.get(LIST, query_string=query).get_data(as_text=True)
    found = re.search(rf'<tr data-order="{number}">(.*?)</tr>', html, re.S)
    assert found, html
    return found.group(1)


def placed_on(order, moment):
    Order.update(placed_at=moment).where(Order.id == order.id).execute()


def test_orders_are_listed_newest_first_with_what_each_row_needs(app, db):
    care = signed_in(app, name="Cara Care")
    ada = make_customer()
    old = place("K7QM-3XPD", ada, email=ada.email)
    guest = place("GSTW-2345", email="gus@example.com")
    phone = place("PHNE-2345", email="pat@example.com", channel=Order.PHONE,
                  taken_by=care.staff)
    for days, order in ((3, old), (2, guest), (1, phone)):
        placed_on(order, utcnow() - timedelta(days=days))
    Order.update(settled_at=utcnow()).where(Order.id == old.id).execute()
    assert listed(care) == ["PHNE-2345", "GSTW-2345", "K7QM-3XPD"]
    html = row(care, "K7QM-3XPD")
    assert 'href="/care/orders/K7QM-3XPD"' in html
    assert f'href="/care/customers/{ada.id}">Ada Shopper' in html
    assert '<td class="channel">web</td>' in html and '<td class="state">settled</td>' in html
    assert "<td>$30.95</td>" in html and \
        Order.get_by_id(old.id).placed_at.strftime("%Y-%m-%d %H:%M") in html
    assert "guest: gus@example.com" in row(care, "GSTW-2345")
    phone_row = row(care, "PHNE-2345")
    assert "phone, taken by Cara Care" in phone_row and '<td class="state">open</td>' in phone_row
    assert "3 orders match: 1 to 3" in care.get(LIST).get_data(as_text=True)


def test_state_and_line_status_filters(app, db):
    care = signed_in(app)
    settled, reserved, plain = (place(number) for number in ("STLD-2345", "RSRV-2345",
                                                             "PLAN-2345"))
    Order.update(settled_at=utcnow()).where(Order.id == settled.id).execute()
    OrderLine.update(status=OrderLine.ON_RESERVE).where(OrderLine.order == reserved.id).execute()
    assert set(listed(care, state="settled")) == {"STLD-2345"}
    assert set(listed(care, state="open")) == {"RSRV-2345", "PLAN-2345"}
    assert listed(care, line_status="on_reserve") == ["RSRV-2345"]
    assert set(listed(care, line_status="allocated")) == {"STLD-2345", "PLAN-2345"}
    assert listed(care, line_status="shipped") == []
    assert listed(care, state="settled", line_status="on_reserve") == []
    assert plain.id  # found above under open and allocated


def test_the_dates_include_both_days(app, db):
    care = signed_in(app)
    for number, day in (("MAYA-2345", 1), ("MAYB-2345", 2), ("MAYC-2345", 3)):
        placed_on(place(number), datetime(2026, 5, day, 23, 59))
    assert listed(care, placed_from="2026-05-02") == ["MAYC-2345", "MAYB-2345"]
    assert listed(care, placed_until="2026-05-02") == ["MAYB-2345", "MAYA-2345"]
    assert listed(care, placed_from="2026-05-02", placed_until="2026-05-02") == ["MAYB-2345"]


def test_the_channel_filter(app, db):
    care = signed_in(app)
    place("WEBB-2345")
    place("PHNE-2345", channel=Order.PHONE, taken_by=care.staff)
    assert listed(care, channel="phone") == ["PHNE-2345"]
    assert listed(care, channel="web") == ["WEBB-2345"]


def test_the_partner_filter(app, db):
    care = signed_in(app)
    riverbooks = make_partner("riverbooks", name="Riverbooks")
    northwind = make_partner("northwind", name="Northwind Outfitters")
    place("RVER-2345", attribution={"partner": riverbooks})
    place("NRTH-2345", attribution={"partner": northwind})
    place("SHOP-2345")
    assert listed(care, partner=riverbooks.id) == ["RVER-2345"]
    assert listed(care, partner="none") == ["SHOP-2345"]
    assert '<td class="partner">Northwind Outfitters</td>' in row(care, "NRTH-2345")


def arrive_and_order(app, *paths):
    """A shopper arrives through each path in turn, then orders: the new order."""
    shopper = app.test_client()
    for path in paths:
        assert shopper.get(path).status_code == 200
    add_to_cart(shopper, make_product(stock=5))
    assert checkout(shopper).status_code == 302
    return Order.select().order_by(Order.id.desc()).get()


@pytest.mark.usefixtures("processor")
def test_the_attribution_filters_follow_real_arrivals(app, db):
    care = signed_in(app)
    banner = Banner.create(placement="home top", campaign="may")
    spring = arrive_and_order(app, "/?ref=spring")
    through_banner = arrive_and_order(app, f"/?banner={banner.id}")
    # First a newsletter's UTM-tagged link, later the spring link.
    both = arrive_and_order(app, "/?utm_source=news&utm_campaign=May-Letter", "/?ref=Spring")
    direct = arrive_and_order(app, "/")
    assert set(listed(care, source="spring")) == {spring.number, both.number}
    assert listed(care, source="spring", touch="first") == [spring.number]
    assert set(listed(care, source="spring", touch="last")) == {spring.number, both.number}
    assert listed(care, campaign="may-letter") == [both.number]
    assert listed(care, campaign="may-letter", touch="last") == []
    assert listed(care, banner=banner.id) == [through_banner.number]
    assert listed(care, source="spring-sale") == []
    assert "ref spring" in row(care, spring.number)
    assert "banner" in row(care, through_banner.number)
    assert f"banner {banner.id} (home top)" in row(care, through_banner.number)
    assert "first: utm news / May-Letter; last: ref Spring" in row(care, both.number)
    assert '<td class="source">—</td>' in row(care, direct.number)


def test_the_list_is_paged_and_the_pages_keep_the_filters(app, db, monkeypatch):
    monkeypatch.setattr(order_filters, "PAGE_SIZE", 2)
    care = signed_in(app)
    for index, number in enumerate(("AAAA-2345", "BBBB-2345", "CCCC-2345", "DDDD-2345")):
        placed_on(place(number), utcnow() - timedelta(hours=index))
    place("PHNE-2345", channel=Order.PHONE, taken_by=care.staff)
    html = care.get(LIST, query_string={"channel": "web"}).get_data(as_text=True)
    assert "4 orders match: 1 to 2" in html
    assert re.findall(r'<tr data-order="([A-Z0-9-]+)">', html) == ["AAAA-2345", "BBBB-2345"]
    assert 'href="/care/orders/?page=2&amp;channel=web">Older' in html or \
        'href="/care/orders/?channel=web&amp;page=2">Older' in html
    assert listed(care, channel="web", page=2) == ["CCCC-2345", "DDDD-2345"]
    assert listed(care, channel="web", page=3) == []


def test_a_page_costs_the_same_queries_whatever_the_number_of_rows(app, db):
    riverbooks = make_partner("riverbooks")
    care = signed_in(app)
    banner = Banner.create(placement="home top")
    first = Touch.create(visitor="v", source="spring", landing_path="/")
    last = Touch.create(visitor="v", banner=banner, utm_campaign="may", landing_path="/")

    def add(number):
        place(number, make_customer(email=f"{number}@example.com"), channel=Order.PHONE,
              taken_by=care.staff,
              attribution={"partner": riverbooks, "first_touch": first, "last_touch": last})

    def queries():
        with mock.patch.object(db.obj, "execute_sql", wraps=db.obj.execute_sql) as spy:
            html = care.get(LIST).get_data(as_text=True)
        return spy.call_count, html.count("first: ref spring; last: banner")

    add("MNYA-2345")
    one = queries()
    for number in ("MNYB-2345", "MNYC-2345", "MNYD-2345", "MNYE-2345"):
        add(number)
    assert one == (one[0], 1) and queries() == (one[0], 5)
    with mock.patch.object(db.obj, "execute_sql", wraps=db.obj.execute_sql) as spy:
        listing = order_filters.listing(order_filters.Filters(), 1, 50)
    assert spy.call_count == 2 and listing.total == 5  # the page and the count


@pytest.mark.parametrize("query, field", [
    ("state=bogus", "state"), ("line_status=lost", "line_status"),
    ("placed_from=yesterday", "placed_from"), ("placed_until=2026-13-01", "placed_until"),
    ("placed_from=1999-12-31", "placed_from"), ("placed_until=9999-12-31", "placed_until"),
    ("placed_from=2026-05-02&placed_until=2026-05-01", "placed_until"),
    ("channel=fax", "channel"), ("partner=999999", "partner"), ("partner=abc", "partner"),
    ("banner=12345", "banner"), ("touch=middle", "touch"), ("source=a%3Cb", "source"),
    ("source=" + "x" * 81, "source"), ("campaign=a%20%7C%20b", "campaign")])
def test_bad_filters_are_a_400_with_the_message_next_to_the_field(app, db, query, field):
    care = signed_in(app)
    place("K7QM-3XPD")
    response = care.get(f"{LIST}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">' in html
    assert "K7QM-3XPD" not in html
    assert AuditEvent.select().count() == 0


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=-1", "page=99999999999",
                                   "source=a%00b"])
def test_a_bad_page_number_or_garbage_is_a_400(app, db, query):
    assert signed_in(app).get(f"{LIST}?{query}").status_code == 400


def test_the_list_is_one_audit_event_naming_how_many_people_and_never_the_filters(app, db):
    care = signed_in(app)
    ada = make_customer()
    place("K7QM-3XPD", ada, email=ada.email)
    place("GSTW-2345", email="gus@example.com")
    place("GSTX-2345", email="Gus@Example.com", channel=Order.PHONE, taken_by=care.staff)
    listed(care)
    event = AuditEvent.get()
    assert (event.staff_id, event.action, event.what) == (
        care.staff.id, AuditEvent.VIEWED, "order list (2 people)")
    listed(care, channel="phone", source="gus")  # nothing: nobody shown, nothing recorded
    listed(care, channel="phone")
    latest = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert AuditEvent.select().count() == 2
    assert (latest.what, latest.email_key, latest.customer_id) == (
        "order list (1 person)", "gus@example.com", None)
    assert not AuditEvent.select().where(AuditEvent.what.contains("phone")).exists()


def test_fulfilment_opens_the_list_and_the_order_but_not_the_call_notes(app, db):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    notes.add(make_staff("care", email="cara@staff.example.com"), "Rang about the lamp.",
              order=order)
    packer = signed_in(app, "fulfilment")
    assert "Orders: every order, by status, date, channel, partner, source" in \
        packer.get("/staff/").get_data(as_text=True)
    html = row(packer, "K7QM-3XPD")
    assert "Ada Shopper" in html and "/care/customers/" not in html
    page = packer.get("/care/orders/K7QM-3XPD")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 Main Street" in text
    assert "Rang about the lamp." not in text and "Call notes" not in text
    assert "/care/customers/" not in text and 'href="/care/"' not in text
    response = post_form(packer, "/care/orders/K7QM-3XPD/notes", {"body": "Packed it."},
                         token_page="/care/orders/K7QM-3XPD")
    assert response.status_code == 403
    assert [note.body for note in CallNote.select()] == ["Rang about the lamp."]
    seen = {event.what for event in AuditEvent.select().where(
        AuditEvent.staff_id == packer.staff.id)}
    assert seen == {"order list (1 person)", "order K7QM-3XPD"}


def test_care_still_reads_and_adds_call_notes_on_the_order(app, db):
    order = place("K7QM-3XPD")
    notes.add(make_staff("admin", email="boss@staff.example.com"), "Rang about the lamp.",
              order=order)
    care = signed_in(app)
    assert "Rang about the lamp." in care.get("/care/orders/K7QM-3XPD").get_data(as_text=True)
    assert post_once(care, "/care/orders/K7QM-3XPD", "/care/orders/K7QM-3XPD/notes",
                     {"body": "Rang back."}).status_code == 302


@pytest.mark.parametrize("role", ["admin", "care", "fulfilment"])
def test_the_staff_home_links_the_list_for_care_fulfilment_and_admin(app, db, role):
    place("K7QM-3XPD")
    client = signed_in(app, role)
    assert 'href="/care/orders/">Orders: every order' in client.get("/staff/").get_data(
        as_text=True)
    assert listed(client) == ["K7QM-3XPD"]


@pytest.mark.parametrize("who", ["marketing", "legal", "partner", "customer", "anonymous"])
def test_everyone_else_is_refused(app, db, who):
    place("K7QM-3XPD", email="gus@example.com")
    client = app.test_client()
    if who == "customer":
        make_customer()
        sign_in(client)
    elif who == "partner":
        make_partner("riverbooks")
        add_staff("partner@staff.example.com", "Pat Partner", ["partner"], STAFF_PASSWORD,
                  partner_slug="riverbooks")
        staff_sign_in(client, "partner@staff.example.com")
    elif who != "anonymous":
        staff_sign_in(client, make_staff(who).email)
        assert "Orders: every order" not in client.get("/staff/").get_data(as_text=True)
    for url in (LIST, "/care/orders/K7QM-3XPD"):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/staff/login" in response.location
        else:
            assert response.status_code == 403, (who, url)
        assert "gus@example.com" not in response.get_data(as_text=True)
    assert AuditEvent.select().count() == 0
