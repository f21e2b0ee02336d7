"""Aggregate reports (P12): sales, conversion by source and banner, traffic, regions.

Shop staff (admin, marketing) see the whole shop under /staff/reports/; a partner's staff
see the same reports of their own traffic under /staff/reports/partner/. Either way the
scope comes from the signed-in account (scope_for), never from the URL.
"""
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, render_template, request, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.reports import service
from storefront.reports.charts import bar_chart
from storefront.reports.export import report_csv
from storefront.reports.period import MONTH, YEAR, only_args, period_arg
from storefront.reports.scope import scope_for
from storefront.web.params import choice_arg

bp = Blueprint("reports", __name__, url_prefix="/staff/reports", template_folder="templates")

SHOP = ("admin", "marketing")
PARTNER = ("partner",)


@dataclass(frozen=True)
class Page:
    """A report page: its URL name, what it shows, its parameters and its service."""

    slug: str
    title: str
    summary: str
    run: object
    unit: str  # its period: a calendar month or year
    choices: dict = field(default_factory=dict)  # parameter: (allowed values, label)


PAGES = (
    Page("sales", "Sales by category and month",
         "Orders, units and revenue per product category, month by month.",
         service.sales_by_category_month, YEAR),
    Page("sources", "Orders and conversion by referral source",
         "Visitors brought by each ?ref= or utm_source, their orders and conversion rate.",
         service.conversion_by_source, MONTH,
         {"touch": (service.TOUCHES, "Attribution")}),
    Page("banners", "Orders and conversion by banner",
         "Visitors who clicked each banner, their orders and conversion rate.",
         service.conversion_by_banner, MONTH,
         {"touch": (service.TOUCHES, "Attribution")}),
    Page("traffic-day", "Traffic by day", "Page views and visitors per day (UTC).",
         service.traffic_by_day, MONTH),
    Page("traffic-hour", "Traffic by hour of the day",
         "Page views and visitors per hour of the day (UTC) over the period.",
         service.traffic_by_hour, MONTH),
    Page("visitors", "New and returning visitors",
         "Visitors per day, first seen that day or returning.",
         service.new_and_returning, MONTH),
    Page("regions", "Customers by region",
         "Customers and orders per shipping state, postal prefix or country.",
         service.customers_by_region, YEAR,
         {"area": (tuple(service.AREAS), "Group by")}),
)


def _build(page):
    """Parse the query string strictly and run the page's report in the staff's scope."""
    only_args("period", *page.choices)
    period = period_arg(page.unit)
    chosen = {name: choice_arg(name, values, values[0])
              for name, (values, _label) in page.choices.items()}
    scope = scope_for(current_staff())
    min_cell = current_app.config["REPORT_MIN_CELL"]
    return page.run(period, scope, min_cell=min_cell, **chosen), period, scope, chosen


def _render(page, prefix):
    report, period, scope, chosen = _build(page)
    return render_template("reports/report.html", page=page, report=report,
                           chart=bar_chart(report), period=period, scope=scope,
                           chosen=chosen, prefix=prefix,
                           csv_url=url_for(f"reports.{prefix}{page.slug}_csv", **request.args))


def _download(page):
    report, period, _scope, _chosen = _build(page)
    name = f"{page.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(report_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


def _endpoint(name, view, roles, doc):
    view.__name__ = name
    view.__doc__ = doc
    return staff_route(*roles)(view)


def _register(prefix, path, roles):
    """One page and one CSV download per report, for shop staff or for partner staff."""
    for page in PAGES:
        def show(page=page):
            return _render(page, prefix)

        def download(page=page):
            return _download(page)

        bp.add_url_rule(f"{path}/{page.slug}",
                        view_func=_endpoint(f"{prefix}{page.slug}", show, roles,
                                            f"The {page.title.lower()} report page."))
        bp.add_url_rule(f"{path}/{page.slug}.csv",
                        view_func=_endpoint(f"{prefix}{page.slug}_csv", download, roles,
                                            f"The {page.title.lower()} report as CSV."))


@bp.get("/")
@staff_route(*SHOP)
def index():
    """The list of reports of the whole shop."""
    only_args()
    return render_template("reports/index.html", pages=PAGES, prefix="",
                           scope=scope_for(current_staff()))


@bp.get("/partner/")
@staff_route(*PARTNER)
def partner_index():
    """The list of reports of the signed-in partner's own traffic."""
    only_args()
    return render_template("reports/index.html", pages=PAGES, prefix="partner_",
                           scope=scope_for(current_staff()))


_register("", "", SHOP)
_register("partner_", "/partner", PARTNER)
