"""Care → Phone orders (P21): an associate takes an order on the phone for a customer or a
new caller: items (phone_items), details, payment (a saved card, or a card read out and
sealed at once), review, then the order is placed through checkout with the associate's
name."""
import time
from datetime import date

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, session,
                   url_for)

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.accounts.service import AddressData
from storefront.care import phone_items
from storefront.care.phone_forms import PhonePlaceForm, details_form, payment_form
from storefront.care.phone_items import EXPIRED, ROLES, seen, taking
from storefront.checkout import phone, placing, service
from storefront.db import utcnow
from storefront.payments import gateway
from storefront.payments import service as payments
from storefront.web.params import client_ip, int_arg

bp = Blueprint("care_phone", __name__, url_prefix="/care/phone-orders",
               template_folder="templates")
phone_items.add_routes(bp)

PLACED_SECONDS = 3600  # "Place order" sent again this long after finds the order it placed


def _keep(order):
    order.draft.store(session, phone.SESSION_KEY)


def _status(form):
    """400 when the form has errors (saying so when only its CSRF token failed), else 200."""
    if "csrf_token" in form.errors and EXPIRED not in form.form_errors:
        form.form_errors.append(EXPIRED)
    return 400 if form.errors else 200


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
    """Whom the order is for (?customer=<id>, or a new caller); "Start" empties the phone cart
    and begins again."""
    customer_id = int_arg("customer", None, 1, 999_999_999)
    customer = phone.callable_customer(customer_id) if customer_id else None
    if customer_id and customer is None:
        abort(404)
    staff, form = current_staff(), EmptyForm()
    if form.validate_on_submit():
        order = phone.start(staff.id, customer)
        _keep(order)
        flash(f"Phone order started for {customer.name if customer else 'a new caller'}.",
              "success")
        return redirect(url_for("care_phone.items"))
    status = _status(form)
    seen(customer, "start")
    account = phone.account_details(customer, date.today()) if customer else {}
    return render_template("care/phone_start.html", customer=customer, form=form,
                           taking=phone.current(session, staff.id), **account), status


@bp.route("/details", methods=["GET", "POST"])
@staff_route(*ROLES)
def details():
    """Step 2: email (a new caller), phone, shipping and billing addresses, shipping method."""
    order = taking()
    summary = _summary_or_redirect(order)
    form = details_form(summary, phone.details_defaults(order), order.customer is None)
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
            _keep(order)
            return redirect(url_for("care_phone.payment"))
    status = _status(form)
    seen(order.customer, "details")
    return render_template("care/phone_details.html", order=order, form=form,
                           summary=summary), status


@bp.route("/payment", methods=["GET", "POST"])
@staff_route(*ROLES)
def payment():
    """Step 3: a saved card or a card read out (sealed at once), and a promotion code."""
    order = taking()
    summary, draft, today = _summary_or_redirect(order), order.draft, date.today()
    if not service.ready_to_review(draft, summary):
        return redirect(url_for("care_phone.details"))
    form, saved_ids = payment_form(order.customer, draft, today)
    if form.validate_on_submit():
        month, year = form.expiry_parts()
        new_card = {"number": form.number.data, "exp_month": month, "exp_year": year,
                    "holder_name": form.holder_name.data or "",
                    "save": "save" in form and form.save.data}
        choice = "new" if form.pay_with.data == "new" else saved_ids.get(form.pay_with.data)
        config = current_app.config
        try:
            service.choose_payment(draft, summary, order.customer, choice, new_card, "",
                                   client_ip(), config["SECRET_KEY"], today,
                                   config["PROCESSOR_PUBLIC_KEY_FILE"],
                                   form.promo_code.data or "", utcnow())
        except service.CheckoutError as error:
            attach_error(form, error)
        else:
            draft.number = ""  # a new choice is a new attempt
            _keep(order)
            return redirect(url_for("care_phone.review"))
    status = _status(form)
    if form.errors and ("holder_name" in form.errors or
                        any(c.isdigit() for c in form.holder_name.data or "")):
        form.holder_name.data = ""  # it may hold the card number: never echo it
    pricing = service.price(summary, draft.method,
                            promo=service.promo_of(draft, summary, utcnow())[0])
    seen(order.customer, "payment")
    return render_template("care/phone_payment.html", order=order, form=form, summary=summary,
                           pricing=pricing), status


def _review_page(order, form, status=200):
    draft, now = order.draft, utcnow()
    _, summary, pricing, _ = order.review(now)
    if summary.item_count == 0:
        flash("Add something to the order first.", "error")
        return redirect(url_for("care_phone.items"))
    if not service.ready_to_review(draft, summary):
        return redirect(url_for("care_phone.details"))
    if service.reserve_number(draft):
        _keep(order)
    promo_problem = service.promo_of(draft, summary, now)[1]
    if promo_problem and promo_problem not in " ".join(form.form_errors):
        form.form_errors.append(f"{promo_problem} Please change the payment to remove it.")
    form.reviewed.data = service.fingerprint(summary, pricing, draft)
    form.number.data = draft.number
    card = payments.saved_card(order.customer, draft.saved_card_id) or draft.card
    seen(order.customer, "review")
    return render_template("care/phone_review.html", order=order, form=form, summary=summary,
                           pricing=pricing, card=card,
                           needs_cvv=bool(draft.card) and pricing.card_cents > 0), status


@bp.get("/review")
@staff_route(*ROLES)
def review():
    """Step 4: everything on one page, read back to the caller, then "Place order"."""
    return _review_page(taking(), PhonePlaceForm(formdata=None))


@bp.post("/place")
@staff_route(*ROLES)
def place():
    """Place the order: authorize the card, record the order; one order however often sent."""
    order, form = taking(), PhonePlaceForm()
    draft = order.draft
    if form.number.data and draft.placed_here(form.number.data, time.time(), PLACED_SECONDS):
        return redirect(url_for("care_customers.order", number=form.number.data))
    if not form.validate():
        flash("The form expired. Please check the order and place it again.", "error")
        return redirect(url_for("care_phone.review"))
    status, config = 400, current_app.config
    twin_wait = min(2 * config["PROCESSOR_TIMEOUT"] + 12, 25)  # as checkout.views.place
    try:
        placed = placing.place_order(draft, order.customer, None, client_ip(), form.cvv.data,
                                     form.reviewed.data, gateway.client_from_config(config),
                                     twin_wait, attribution=order.attribution,
                                     phone=order.taken_by)
    except placing.StillPlacing as error:
        attach_error(form, error)
        return _review_page(order, form, 409)
    except service.CheckoutError as error:
        attach_error(form, error)
    except gateway.PaymentError as error:
        form.form_errors.append(error.customer_message)
        status = 503 if isinstance(error, gateway.ProcessorUnavailable) else 402
    else:
        draft.finish(placed.number, time.time())
        _keep(order)
        flash(f"Order {placed.number} is placed.", "success")
        return redirect(url_for("care_customers.order", number=placed.number))
    draft.number = ""  # whatever failed, the next try is a new attempt with a new number
    _keep(order)
    return _review_page(order, form, status)
