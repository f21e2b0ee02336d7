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
    """In every group of cells under a shown total, never exactly one is hidden; a hidden
    total never has all its cells shown; and no shown cell counts 1..k-1 people."""
    rows = {row.labels: row.values for row in report.rows}
    for measure in report.measures:
        hidden = {labels for labels, values in rows.items() if values[measure.key] is None}
        for total, members in groups(list(rows)):
            if total not in rows or not members:
                continue
            lone = sum(labels in hidden for labels in members)
            if total in hidden:
                assert lone >= 1, (measure.key, total, members)
            else:
                assert lone != 1, (measure.key, total, members)


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
    # The lone customer is in "Other", hidden; Illinois is hidden with it, or the total
    # minus Illinois would give them away.
    assert got == {("US IL",): {"customers": None, "orders": None},
                   (service.OTHER,): {"customers": None, "orders": None},
                   (None,): {"customers": 11, "orders": 11}}


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
    # The total (16) is shown, so Home hero is hidden too: 16 - 15 would give the one away.
    assert got[("Home hero",)]["visitors"] is None and got[(None,)]["visitors"] == 16
    assert_nothing_derivable(report)
    text = report_csv(report)
    assert "Sidebar" not in text and ",15," not in text and ",1," not in text


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
    may_total = got[("2024-05", ALL)]["revenue_cents"]
    assert may_total == 12 * 2500 + 11 * 9900 + 7000  # shown, so…
    assert got[("2024-05", "Rugs")]["revenue_cents"] is None  # …the smallest other is hidden
    assert got[(ALL, "Chairs")]["revenue_cents"] is None
    # The rugs column total would give May's rugs away (April is shown): one more hidden.
    assert got[("2024-04", "Rugs")]["revenue_cents"] is None or \
        got[(ALL, "Rugs")]["revenue_cents"] is None
    assert_nothing_derivable(report)
    assert ",7000" not in report_csv(report)


def test_the_algorithm_on_a_hand_made_table():
    counts = {("a", "x"): {"p": 12}, ("a", "y"): {"p": 3}, ("a", ALL): {"p": 15},
              ("b", "x"): {"p": 20}, ("b", "y"): {"p": 25}, ("b", ALL): {"p": 45},
              (ALL, "x"): {"p": 32}, (ALL, "y"): {"p": 28}, (ALL, ALL): {"p": 60}}
    hidden = suppressed_cells(counts, "p", 10)
    # (a, y) is small; (a, x) hides with it in row a, then column x and y need a second
    # hidden cell each: (b, x) and (b, y); row b then has two hidden cells, as needed.
    assert hidden == {("a", "y"), ("a", "x"), ("b", "x"), ("b", "y")}


def test_a_hidden_total_whose_cells_are_shown_gets_a_cell_hidden():
    counts = {("m1", "x"): {"p": 5}, ("m1", ALL): {"p": 5},
              ("m2", "x"): {"p": 11}, ("m2", "y"): {"p": 12}, ("m2", ALL): {"p": 23},
              (ALL, "x"): {"p": 16}, (ALL, "y"): {"p": 12}, (ALL, ALL): {"p": 28}}
    hidden = suppressed_cells(counts, "p", 10)
    assert {("m1", "x"), ("m1", ALL)} <= hidden
    # m1's total is hidden under a shown grand total, so m2's total hides too; m2's total
    # would be the sum of its shown cells, so one of them hides as well.
    assert ("m2", ALL) in hidden and hidden & {("m2", "x"), ("m2", "y")}
