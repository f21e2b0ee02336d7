"""Care → Orders (issue 11): every order, for care, fulfilment and admin, filtered by state or
line status, date, channel, partner and source; each row opens the order's page. The order
page's invitation button posts here too (invitations.py)."""
from flask import Blueprint, render_template, request

from storefront.accounts.current import current_staff, staff_route
from storefront.care import invitations, order_filters
from storefront.care.customers import takes_calls
from storefront.privacy import audit
from storefront.web.params import int_arg

# /care/orders/<number> is the order's page (care_customers.order); this list is the folder.
bp = Blueprint("care_orders", __name__, url_prefix="/care/orders", template_folder="templates")
invitations.add_routes(bp)

ROLES = ("care", "fulfilment", "admin")
MAX_PAGE = 100_000


@bp.get("/")
@staff_route(*ROLES)
def index():
    """The orders matching the filters, newest first, a page at a time, with their number."""
    form = order_filters.OrderFilterForm(formdata=request.args)
    number = int_arg("page", 1, 1, MAX_PAGE)
    if not form.validate():
        return render_template("care/order_list.html", form=form, listing=None), 400
    listing = order_filters.listing(form.filters(), number, order_filters.PAGE_SIZE)
    if listing.rows:
        audit.listed(current_staff(), "order list", listing.people())
    return render_template("care/order_list.html", form=form, listing=listing,
                           args=form.args(), care_staff=takes_calls(current_staff()))
