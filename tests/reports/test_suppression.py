"""Reports try to single someone out and fail: nothing under k shows, nor can be derived."""
from datetime import datetime

from storefront.reports import service
from storefront.reports.export import report_csv
from storefront.reports.scope import WHOLE_SHOP
from storefront.reports.suppression import groups, suppressed_cells
from storefront.reports.tables import ALL

from tests.factories import make_category, make_product
from tests.reports.conftest import MAY, SPRING, make_banner, make_order, make_visitor


def assert_nothing_derivable(report):
    """No group of cells holding a hidden one shows its total: nothing hidden, nor the sum
    of several hidden cells, can be had by subtraction."""
    rows = {row.labels: row.values for row in report.rows}
    for measure in report.measures:
        hidden = {labels for labels, values in rows.items() if values[measure.key] is None}
        for total, members in groups(list(rows)):
            if total in rows and any(labels in hidden for labels in members):
                assert total in hidden, (measure.key, total, members)


def rows_of(report):
    return {row.labels: row.values for row in report.rows}


def test_one_customer_in_a_region_is_not_shown_even_as_a_label(catalogue):
    lamp = catalogue["lamp"]
    for _ in range(10):
        make_order(datetime(2024, 5, 6), lines=[(lamp, 1, 2500)], region="IL")
    make_order(datetime(2024, 5, 6), email="lonely@example.com", lines=[(lamp, 1, 2500)],
               region="AK", postal_code="99501")
    for area in service.AREAS:
        report = service.customers_by_region(MAY, WHOLE_SHOP, area, min_cell=10)
        text = report_csv(report)
        assert "AK" not in text and "995" not in text, area
        assert_nothing_derivable(report)
    got = rows_of(service.customers_by_region(MAY, WHOLE_SHOP, "region", min_cell=10))
    # The lone customer is in "Other", hidden; so is the total, or the total minus Illinois
    # would give them away.
    assert got == {("US IL",): {"customers": 10, "orders": 10},
                   (service.OTHER,): {"customers": None, "orders": None},
                   (None,): {"customers": None, "orders": None}}


def test_one_order_from_a_source_is_not_shown(db):
    blog = [make_visitor(datetime(2024, 5, 2), source="blog")[1] for _ in range(12)]
    for _ in range(10):
        make_visitor(datetime(2024, 5, 2), source="news")
    make_visitor(datetime(2024, 5, 2), source="alice-smith-homepage")
    make_order(datetime(2024, 5, 3), touch=blog[0])
    report = service.conversion_by_source(MAY, WHOLE_SHOP, "first", min_cell=10)
    got = rows_of(report)
    assert got[("blog",)] == {"visitors": 12, "orders": None, "conversion": None}
    assert got[(None,)]["orders"] is None  # one order in all: the total would tell
    assert "alice-smith-homepage" not in report_csv(report)
    assert got[(service.OTHER,)] == {"visitors": None, "orders": 0, "conversion": None}
    assert_nothing_derivable(report)


def test_one_visitor_from_a_banner_is_not_shown(db):
    hero, side = make_banner("Home hero"), make_banner("Sidebar")
    for _ in range(15):
        make_visitor(datetime(2024, 5, 2), banner=hero)
    make_visitor(datetime(2024, 5, 2), banner=side)
    report = service.conversion_by_banner(MAY, WHOLE_SHOP, "first", min_cell=10)
    got = rows_of(report)
    # A banner too few visitors clicked is counted under "Other", and hidden there.
    assert got[(service.OTHER,)]["visitors"] is None
    # The total is hidden with it: 16 - 15 would give the one away.
    assert got[("Home hero",)]["visitors"] == 15 and got[(None,)]["visitors"] is None
    assert_nothing_derivable(report)
    text = report_csv(report)
    assert "Sidebar" not in text and ",16," not in text and ",1," not in text


def test_complementary_suppression_in_a_month_by_category_table(catalogue):
    lamp, rug = catalogue["lamp"], catalogue["rug"]
    chair = make_product(make_category(name="Chairs"), name="Chair", price_cents=7000)
    for _ in range(12):
        make_order(datetime(2024, 5, 2), lines=[(lamp, 1, 2500)])
        make_order(datetime(2024, 4, 2), lines=[(lamp, 1, 2500), (rug, 1, 9900)])
    for _ in range(11):
        make_order(datetime(2024, 5, 3), lines=[(rug, 1, 9900)])
    make_order(datetime(2024, 5, 4), lines=[(chair, 1, 7000)])  # the one to single out
    report = service.sales_by_category_month(SPRING, WHOLE_SHOP, min_cell=10)
    got = rows_of(report)
    assert got[("2024-05", "Chairs")]["revenue_cents"] is None
    # May's total, the chairs' total and the grand total would each give the chair away.
    assert got[("2024-05", ALL)]["revenue_cents"] is None
    assert got[(ALL, "Chairs")]["revenue_cents"] is None
    assert got[(ALL, ALL)]["revenue_cents"] is None
    # Groups without a hidden cell keep their figures.
    assert got[("2024-05", "Rugs")]["revenue_cents"] == 11 * 9900
    assert got[("2024-04", ALL)]["revenue_cents"] == 12 * (2500 + 9900)
    assert_nothing_derivable(report)
    assert ",7000" not in report_csv(report)


def test_the_algorithm_on_a_hand_made_table():
    counts = {("a", "x"): {"p": 12}, ("a", "y"): {"p": 3}, ("a", ALL): {"p": 15},
              ("b", "x"): {"p": 20}, ("b", "y"): {"p": 25}, ("b", ALL): {"p": 45},
              (ALL, "x"): {"p": 32}, (ALL, "y"): {"p": 28}, (ALL, ALL): {"p": 60}}
    hidden = suppressed_cells(counts, "p", 10)
    # (a, y) is small: row a's and column y's totals go with it, and so does the grand total
    # (row a's total is a cell of the column of row totals).
    assert hidden == {("a", "y"), ("a", ALL), (ALL, "y"), (ALL, ALL)}


def test_hidden_cells_take_every_total_above_them_and_no_more():
    counts = {("m1", "x"): {"p": 5}, ("m1", ALL): {"p": 5},
              ("m2", "x"): {"p": 11}, ("m2", "y"): {"p": 12}, ("m2", ALL): {"p": 23},
              (ALL, "x"): {"p": 16}, (ALL, "y"): {"p": 12}, (ALL, ALL): {"p": 28}}
    hidden = suppressed_cells(counts, "p", 10)
    assert hidden == {("m1", "x"), ("m1", ALL), (ALL, "x"), (ALL, ALL)}
    # What is shown leaves (m1, x) open: every equation holding it has a second unknown
    # (m1 total = m1x; all x = m1x + 11; grand = m1 total + 23 = all x + 12).


def test_two_small_cells_in_one_row_do_not_reveal_their_sum():
    """One buyer of B, one of C: with the month's total shown, B + C would be known, and the
    buyer of B would learn what the buyer of C spent."""
    counts = {("m", "A"): {"p": 12}, ("m", "B"): {"p": 1}, ("m", "C"): {"p": 1},
              ("m", ALL): {"p": 14}, (ALL, "A"): {"p": 12}, (ALL, "B"): {"p": 1},
              (ALL, "C"): {"p": 1}, (ALL, ALL): {"p": 14}}
    hidden = suppressed_cells(counts, "p", 10)
    assert {("m", ALL), (ALL, ALL), ("m", "B"), ("m", "C")} <= hidden
    assert ("m", "A") not in hidden and (ALL, "A") not in hidden
