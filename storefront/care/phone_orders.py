"""Care → Phone orders (P21): an associate takes an order on the phone for a customer or a
new caller: items (phone_items), details, payment (a saved card, or a card read out and
sealed at once), review, then the order is placed through checkout with the associate's
name."""
import time
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.accounts.models import Customer
from storefront.accounts.service import AddressData
from storefront.care import order_being_taken, phone_items
from storefront.care.order_being_taken import ROLES, explain_expired_token, keep, seen
from storefront.care.phone_forms import PhonePlaceForm, details_form, payment_form
from storefront.checkout import by_phone, payment_step, service
from storefront.web.params import client_ip, int_arg

bp = Blueprint("care_phone", __name__, url_prefix="/care/phone-orders",
               template_folder="templates")
phone_items.add_routes(bp)

PLACED_SECONDS = 3600  # "Place order" sent again this long after finds the order it placed
BACK_TO = {"items": "care_phone.items", "details": "care_phone.details"}


def _summary_or_redirect(order):
    """The phone cart's summary, or a redirect to the items step while it is empty."""
    summary = order.review()[1]
    if summary.item_count == 0:
        flash("Add something to the order first.", "error")
        abort(redirect(url_for("care_phone.items")))
    return summary


@bp.route("/new", methods=["GET", "POST"])
@staff_route(*ROLES)
def start():
    """Whom the order is for (?customer=<id>, or a new caller); "Start" begins a new order in
    a cart of its own, and drops the cart of the order this browser was taking."""
    customer_id = int_arg("customer", None, 1, 999_999_999)
    customer = Customer.open_account(customer_id) if customer_id else None
    if customer_id and customer is None:
        abort(404)
    staff, form = current_staff(), EmptyForm()
    if form.validate_on_submit():
        keep(by_phone.start(staff.id, customer, order_being_taken.stored()))
        flash(f"Phone order started for {customer.name if customer else 'a new caller'}.",
              "success")
        return redirect(url_for("care_phone.items"))
    explain_expired_token(form)
    seen(customer, "start")
    account = by_phone.account_details(customer, date.today()) if customer else {}
    return render_template("care/phone_start.html", customer=customer, form=form,
                           taking=order_being_taken.find(), **account), \
        400 if form.errors else 200


@bp.route("/details", methods=["GET", "POST"])
@staff_route(*ROLES)
def details():
    """Step 2: email (a new caller), phone, shipping and billing addresses, shipping method."""
    order = order_being_taken.current()
    summary = _summary_or_redirect(order)
    form = details_form(summary, by_phone.details_defaults(order), order.customer is None)
    if form.validate_on_submit():
        shipping_address = AddressData.from_mapping(form.shipping.data)
        billing = shipping_address if form.same_as_shipping.data else \
            AddressData.from_mapping(form.billing.data)
        try:
            chosen = service.check_details(
                order.email or form.email.data, form.phone.data, shipping_address, billing,
                form.method.data, summary, shipping_address.country)
        except service.CheckoutError as error:
            attach_error(form, error)
        else:
            for name, value in chosen.items():
                setattr(order.draft, name, value)
            keep(order)
            return redirect(url_for("care_phone.payment"))
    explain_expired_token(form)
    seen(order.customer, "details")
    return render_template("care/phone_details.html", order=order, form=form,
                           summary=summary), 400 if form.errors else 200


@bp.route("/payment", methods=["GET", "POST"])
@staff_route(*ROLES)
def payment():
    """Step 3: a saved card or a card read out (sealed at once), and a promotion code."""
    order = order_being_taken.current()
    summary, draft, today = _summary_or_redirect(order), order.draft, date.today()
    if not service.ready_to_review(draft, summary):
        return redirect(url_for("care_phone.details"))
    form, saved_ids = payment_form(order.customer, draft, today)
    if form.validate_on_submit() and payment_step.choose(
            form, saved_ids, draft, summary, customer=order.customer, ip=client_ip(),
            config=current_app.config, today=today):
        keep(order)
        return redirect(url_for("care_phone.review"))
    explain_expired_token(form)
    payment_step.hide_card_numbers(form)
    seen(order.customer, "payment")
    return render_template("care/phone_payment.html", order=order, form=form, summary=summary,
                           pricing=payment_step.pricing_so_far(draft, summary)), \
        400 if form.errors else 200


def _review_page(order, form, status=200):
    review = payment_step.review_page(order.draft, order.customer, None, form,
                                      lambda: keep(order), order.taken_by)
    if review.back_to == "items":
        flash("Add something to the order first.", "error")
    if review.back_to:
        return redirect(url_for(BACK_TO[review.back_to]))
    seen(order.customer, "review")
    return render_template("care/phone_review.html", order=order, form=form, **review.page), \
        status


@bp.get("/review")
@staff_route(*ROLES)
def review():
    """Step 4: everything on one page, read back to the caller, then "Place order"."""
    return _review_page(order_being_taken.current(), PhonePlaceForm(formdata=None))


@bp.post("/place")
@staff_route(*ROLES)
def place():
    """Place the order: authorize the card, record the order; one order however often sent.
    The order's cart goes with it."""
    order, form = order_being_taken.current(), PhonePlaceForm()
    if form.number.data and order.draft.placed_here(form.number.data, time.time(),
                                                    PLACED_SECONDS):
        return redirect(url_for("care_customers.order", number=form.number.data))
    if not form.validate():
        flash("The form expired. Please check the order and place it again.", "error")
        return redirect(url_for("care_phone.review"))
    placed, status = payment_step.place(
        form, order.draft, lambda: keep(order), customer=order.customer, visitor_id=None,
        ip=client_ip(), config=current_app.config, attribution=order.attribution,
        taken_by=order.taken_by)
    if placed is None:
        return _review_page(order, form, status)
    by_phone.drop_cart(order)
    flash(f"Order {placed.number} is placed.", "success")
    return redirect(url_for("care_customers.order", number=placed.number))
