"""Report pages: roles, strict parameters, chart and table, CSV, and partner scope."""
from datetime import datetime

import pytest

from storefront.accounts.models import StaffUser
from storefront.reports.views import PAGES

from tests.factories import make_staff, staff_sign_in
from tests.reports.conftest import make_order, make_partner, make_visitor, view_pages

SLUGS = [page.slug for page in PAGES]
UNITS = {page.slug: page.unit for page in PAGES}


def period(slug):
    """May 2024 for a monthly report, 2024 for a yearly one (the test data is in May 2024)."""
    return "period=2024-05" if UNITS[slug.rsplit("/", 1)[-1].split(".")[0]] == "month" \
        else "period=2024"


def signed_in(app, role, partner=None):
    client = app.test_client()
    staff = make_staff(role, email=f"{role}{partner.slug if partner else ''}@staff.example.com")
    if partner:
        StaffUser.update(partner=partner).where(StaffUser.id == staff.id).execute()
    staff_sign_in(client, staff.email)
    return client


def seed(catalogue, source, partner=None, visitors=10, pages_each=2):
    """Visitors from one source with page views, each ordering once: all cells ≥ 10."""
    for n in range(visitors):
        key, touch = make_visitor(datetime(2024, 5, 2, 10, n), source=source, partner=partner)
        view_pages(key, [datetime(2024, 5, 2, 10, n, s) for s in range(pages_each)],
                   partner=partner, path=f"/{source}")
        make_order(datetime(2024, 5, 3), email=f"{source}{n}@example.com", partner=partner,
                   touch=touch, lines=[(catalogue["lamp"], 1, 2500)])


@pytest.mark.parametrize("role", ["admin", "marketing"])
def test_shop_staff_see_every_report_with_chart_table_and_csv(app, catalogue, role):
    seed(catalogue, "newsletter")
    client = signed_in(app, role)
    assert "Reports" in client.get("/staff/").get_data(as_text=True)
    index = client.get("/staff/reports/").get_data(as_text=True)
    for slug in SLUGS:
        assert f'href="/staff/reports/{slug}"' in index
        response = client.get(f"/staff/reports/{slug}?{period(slug)}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, slug
        assert '<svg class="report-chart" role="img" aria-labelledby="chart-title chart-desc"' \
            in html and "<title id=\"chart-title\">" in html and "<table>" in html
        assert "<script" not in html
        download = client.get(f"/staff/reports/{slug}.csv?{period(slug)}")
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    sources = client.get(f"/staff/reports/sources.csv?{period('sources')}").get_data(as_text=True)
    assert sources.splitlines() == ["Source,Visitors touched,Orders,Conversion rate (%)",
                                    "newsletter,10,10,100.0", "All,10,10,100.0"]


def test_no_personal_field_appears_anywhere(app, catalogue):
    seed(catalogue, "newsletter")
    client = signed_in(app, "admin")
    for slug in SLUGS:
        for suffix in ("", ".csv"):
            text = client.get(f"/staff/reports/{slug}{suffix}?{period(slug)}") \
                .get_data(as_text=True)
            for secret in ("@example.com", "Secret Person", "Hidden Lane", "2175550100",
                           "203.0.113", "visitor-key-", "RPT-"):
                assert secret not in text, (slug, suffix, secret)


@pytest.mark.parametrize("role", ["care", "fulfilment", "legal", "partner"])
def test_other_roles_are_refused_shop_reports(app, db, role):
    client = signed_in(app, role)
    assert client.get("/staff/reports/").status_code == 403
    assert client.get("/staff/reports/sales.csv").status_code == 403
    home = client.get("/staff/").get_data(as_text=True)
    assert ('href="/staff/reports/"' in home) is False


def test_shop_staff_are_refused_partner_reports_and_anonymous_must_sign_in(app, db):
    assert client_for_anonymous(app).get("/staff/reports/sales").status_code == 302
    client = signed_in(app, "admin")
    assert client.get("/staff/reports/partner/").status_code == 403
    assert client.get("/staff/reports/partner/sales.csv").status_code == 403


def client_for_anonymous(app):
    return app.test_client()


@pytest.mark.parametrize("query", [
    "period=2024-13", "period=yesterday", "period=2024-5", "period=0001-01", "period=9999-12",
    "period=1999", "period=2024-05-01", "from=2024-05-01&to=2024-05-31", "touch=middle",
    "area=street", "partner=1", "period=2024-05&period=2024-06", "period=" + "9" * 50,
    "period=２０２４-05",
])
def test_bad_parameters_are_400(app, db, query):
    client = signed_in(app, "marketing")
    for slug in ("sources", "regions"):
        # touch= is not a parameter of regions, nor area= of sources: a 400 too
        response = client.get(f"/staff/reports/{slug}?{query}")
        assert response.status_code == 400, (slug, query)
        assert client.get(f"/staff/reports/{slug}.csv?{query}").status_code == 400


def test_periods_are_whole_months_or_years_so_none_overlap(app, db):
    client = signed_in(app, "marketing")
    page = client.get("/staff/reports/traffic-day?period=2024-02").get_data(as_text=True)
    assert "2024-02-01 to 2024-02-29" in page
    page = client.get("/staff/reports/sales?period=2024").get_data(as_text=True)
    assert "2024-01-01 to 2024-12-31" in page
    assert client.get("/staff/reports/sales?period=2024-02").status_code == 400
    assert client.get("/staff/reports/traffic-day?period=2024").status_code == 400


def test_csv_is_safe_from_formula_injection(app, catalogue):
    seed(catalogue, "=HYPERLINK(\"http://evil.example\")")
    seed(catalogue, "@SUM(1+1)")
    client = signed_in(app, "admin")
    text = client.get(f"/staff/reports/sources.csv?{period('sources')}").get_data(as_text=True)
    assert "\"'=HYPERLINK(\"\"http://evil.example\"\")\"" in text
    assert "'@SUM(1+1)" in text
    assert not any(line.startswith(("=", "@", "+", "-")) for line in text.splitlines())
    html = client.get(f"/staff/reports/sources?{period('sources')}").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in html


def test_a_partner_sees_only_its_own_traffic(app, catalogue):
    acme, globex = make_partner("acme"), make_partner("globex")
    seed(catalogue, "acme-src", partner=acme, visitors=10, pages_each=3)
    seed(catalogue, "globex-src", partner=globex, visitors=11, pages_each=2)
    seed(catalogue, "shop-src", visitors=12, pages_each=1)
    client = signed_in(app, "partner", partner=acme)
    assert 'href="/staff/reports/partner/"' in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/reports/partner/").status_code == 200
    for slug in SLUGS:
        for suffix in ("", ".csv"):
            text = client.get(f"/staff/reports/partner/{slug}{suffix}?{period(slug)}") \
                .get_data(as_text=True)
            assert "globex" not in text.lower() and "shop-src" not in text, (slug, suffix)
    csv = {slug: client.get(f"/staff/reports/partner/{slug}.csv?{period(slug)}")
           .get_data(as_text=True).splitlines() for slug in SLUGS}
    assert csv["sources"][1:] == ["acme-src,10,10,100.0", "All,10,10,100.0"]
    assert csv["traffic-day"][1:] == ["2024-05-02,30,10", "All,30,10"]
    assert csv["sales"][1:] == ["2024-05,Lamps,10,10,25000", "2024-05,All,10,10,25000",
                                "All,Lamps,10,10,25000", "All,All,10,10,25000"]
    assert csv["regions"][1:] == ["US IL,10,10", "All,10,10"]
    # The partner cannot be chosen in the URL.
    assert client.get(f"/staff/reports/partner/sales?partner={globex.id}").status_code == 400
    # The shop sees everyone.
    shop = signed_in(app, "admin")
    shop_sources = shop.get(f"/staff/reports/sources.csv?{period('sources')}") \
        .get_data(as_text=True)
    assert "All,33,33,100.0" in shop_sources


def test_a_partner_account_without_a_partner_sees_nothing(app, catalogue):
    seed(catalogue, "shop-src")
    client = signed_in(app, "partner")
    text = client.get(f"/staff/reports/partner/traffic-day.csv?{period('traffic-day')}") \
        .get_data(as_text=True)
    assert text.splitlines() == ["Day,Page views,Visitors"]
