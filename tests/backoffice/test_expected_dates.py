"""The date an item on reserve is expected: from today to a few years ahead, whether typed in
the stock form or given in an imported CSV file."""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from storefront.catalogue.models import Availability, Product
from storefront.catalogue.product_rules import EXPECTED_WITHIN
from tests.backoffice.test_catalogue_admin import BASE, history, signed_in
from tests.factories import make_product, post_form

TODAY = date(2026, 6, 15)  # the tests run at noon that day, whenever the suite runs


@pytest.fixture(autouse=True)
def noon_on_today():
    """A fixed day: a date taken when the file is collected would be yesterday's for a
    test that runs after midnight."""
    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False):
        yield


def post_stock(client, lamp, expected_on, stock="0"):
    page = f"{BASE}/products/{lamp.id}"
    return post_form(client, f"{page}/stock", {
        "stock": stock, "availability": "on_reserve", "expected_on": expected_on},
        token_page=page)


@pytest.mark.parametrize("expected_on", [
    "0001-01-01", "1999-12-31", (TODAY - timedelta(days=1)).isoformat(),
    (TODAY + EXPECTED_WITHIN + timedelta(days=1)).isoformat(), "9999-12-31"])
def test_a_date_in_the_past_or_too_far_ahead_is_refused_next_to_the_field(
        app, db, expected_on):
    client = signed_in(app, "fulfilment")
    lamp = make_product(name="Brass Lamp")
    response = post_stock(client, lamp, expected_on)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="expected_on-error">Enter a date from today to' in html
    assert Product.get_by_id(lamp.id).availability == Availability.AVAILABLE
    assert history(lamp) == []


@pytest.mark.parametrize("days", [0, 30, EXPECTED_WITHIN.days])
def test_a_date_from_today_to_the_limit_is_kept(app, db, days):
    client = signed_in(app, "fulfilment")
    lamp = make_product(name="Brass Lamp")
    expected_on = TODAY + timedelta(days=days)
    assert post_stock(client, lamp, expected_on.isoformat()).status_code == 302
    assert Product.get_by_id(lamp.id).expected_on == expected_on


def test_a_date_that_has_passed_since_it_was_set_does_not_block_other_changes(app, db):
    passed = TODAY - timedelta(days=10)
    lamp = make_product(name="Brass Lamp", availability=Availability.ON_RESERVE, stock=0,
                        expected_on=passed)
    client = signed_in(app, "fulfilment")
    assert post_stock(client, lamp, passed.isoformat(), stock="4").status_code == 302
    lamp = Product.get_by_id(lamp.id)
    assert (lamp.stock, lamp.expected_on) == (4, passed)
