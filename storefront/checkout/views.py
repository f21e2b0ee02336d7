"""Checkout pages: details, payment, review, then the placed order's confirmation."""
import time
from datetime import date

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, session,
                   url_for)
from wtforms import SelectChoice

from storefront.accounts import service as accounts
from storefront.accounts.contact import display_phone
from storefront.accounts.current import current_customer, sign_in
from storefront.accounts.forms import attach_error
from storefront.accounts.models import Address, Phone
from storefront.checkout import placing, service, shipping
from storefront.checkout.draft import Draft
from storefront.checkout.forms import (BecomeCustomerForm, DetailsForm, PaymentForm,
                                       PlaceOrderForm)
from storefront.db import utcnow
from storefront.orders import service as orders
from storefront.payments import gateway
from storefront.payments import service as payments
from storefront.payments.display import describe_card
from storefront.privacy import consent, mailing
from storefront.web.attribution import attribution
from storefront.web.money import format_money
from storefront.web.params import client_ip

bp = Blueprint("checkout", __name__, url_prefix="/checkout", template_folder="templates")
# How long a guest's browser may see the order it placed, and open an account from it.
GUEST_ORDER_SECONDS = 3600


def _visitor():
    return None if g.visitor_is_new else g.visitor_id


def _draft():
    """This shopper's draft: a draft left by someone else in this browser is not theirs."""
    customer = current_customer()
    return Draft.load(session, f"c:{customer.id}" if customer else f"v:{g.visitor_id}")


def _cart_or_redirect(draft):
    """The cart summary, or a redirect to the cart page when there is nothing to check out."""
    summary = service.review(draft, current_customer(), _visitor())[1]
    if summary.item_count == 0:
        flash("Your cart is empty.", "error")
        return None, redirect(url_for("cart.show"))
    return summary, None


def _details_form(summary, draft):
    """The details form, pre-filled from the draft or else from the account."""
    customer = current_customer()
    data = {"email": draft.email, "phone": draft.phone, "method": draft.method or "standard",
            "shipping": draft.shipping or {}, "billing": draft.billing or {},
            "same_as_shipping": draft.billing is None or draft.billing == draft.shipping}
    if customer is not None and not draft.has_details:
        phone = customer.phone(Phone.DAY) or customer.phone(Phone.EVENING)
        data.update(phone=display_phone(phone.number) if phone else "",
                    shipping=accounts.AddressData.fields_of(customer.address(Address.SHIPPING)),
                    billing=accounts.AddressData.fields_of(customer.address(Address.BILLING)))
        data["same_as_shipping"] = data["billing"] == data["shipping"]
    form = DetailsForm(data=data)
    if not form.is_submitted():
        # Only a signed-in customer sees their current choices: a guest's boxes start
        # unticked, so nobody learns what the owner of a typed address chose.
        form.show_current(consent.current(customer.id, customer.email) if customer else {})
    if customer is not None:
        del form.email
    if not summary.needs_shipping:
        del form.shipping, form.same_as_shipping, form.method
    else:
        form.method.choices = [
            SelectChoice(m.code, f"{m.label}: {'free' if m.cents == 0 else format_money(m.cents)}")
            for m in shipping.options(summary.products_cents)]
    return form


@bp.route("/", methods=["GET", "POST"])
def details():
    """Step 1: email (guests), shipping and billing addresses, phone, shipping method."""
    draft = _draft()
    summary, away = _cart_or_redirect(draft)
    if away:
        return away
    form = _details_form(summary, draft)
    if form.validate_on_submit():
        customer = current_customer()
        shipping_address = accounts.AddressData.from_mapping(form.shipping.data) \
            if "shipping" in form else None
        billing = shipping_address if shipping_address and form.same_as_shipping.data else \
            accounts.AddressData.from_mapping(form.billing.data)
        try:
            chosen = service.check_details(
                customer.email if customer else form.email.data, form.phone.data,
                shipping_address, billing, form.method.data if "method" in form else "",
                summary, (shipping_address or billing).country)
        except service.CheckoutError as error:
            attach_error(form, error)
        else:
            for name, value in chosen.items():
                setattr(draft, name, value)
            draft.store(session)
            mailing.record_form_choices(form.consent_choices(), "checkout",
                                        customer_id=customer.id if customer else None,
                                        address=chosen["email"], ip=client_ip(),
                                        state_shown=customer is not None)
            return redirect(url_for("checkout.payment"))
    return render_template("checkout/details.html", form=form, summary=summary,
                           needs_shipping=summary.needs_shipping), 400 if form.errors else 200


def _payment_form(customer, today, draft):
    """The payment form with the customer's saved cards as choices (the newest first), and
    the promotion code chosen before."""
    form = PaymentForm()
    if not form.is_submitted():
        form.promo_code.data = draft.promo_code
    saved = payments.saved_cards(customer, today) if customer else []
    form.pay_with.choices = [SelectChoice(f"saved-{card.id}", describe_card(card))
                             for card in saved] + [SelectChoice("new", "A new card")]
    if not form.is_submitted() and saved:
        form.pay_with.data = f"saved-{saved[0].id}"
    if customer is None:
        del form.save
    return form, {f"saved-{card.id}": card.id for card in saved}


@bp.route("/payment", methods=["GET", "POST"])
def payment():
    """Step 2: a saved card, a new card (sealed at once), and/or a gift card."""
    draft = _draft()
    summary, away = _cart_or_redirect(draft)
    if away:
        return away
    if not service.ready_to_review(draft, summary):
        return redirect(url_for("checkout.details"))
    customer, today = current_customer(), date.today()
    form, saved_ids = _payment_form(customer, today, draft)
    if form.validate_on_submit():
        month, year = form.expiry_parts()
        new_card = {"number": form.number.data, "exp_month": month, "exp_year": year,
                    "holder_name": form.holder_name.data or "",
                    "save": "save" in form and form.save.data}
        choice = "new" if form.pay_with.data == "new" else saved_ids.get(form.pay_with.data)
        try:
            service.choose_payment(draft, summary, customer, choice, new_card,
                                   form.gift_code.data or "", client_ip(),
                                   current_app.config["SECRET_KEY"], today,
                                   current_app.config["PROCESSOR_PUBLIC_KEY_FILE"],
                                   form.promo_code.data or "", utcnow())
        except service.CheckoutError as error:
            attach_error(form, error)
            if "holder_name" in error.errors:
                form.holder_name.data = ""  # it may hold a card number: never echo it
        else:
            draft.number = ""  # a new choice is a new attempt
            draft.store(session)
            return redirect(url_for("checkout.review"))
    pricing = service.price(summary, draft.method,
                            promo=service.promo_of(draft, summary, utcnow())[0])
    return render_template("checkout/payment.html", form=form, summary=summary, pricing=pricing,
                           draft=draft), 400 if form.errors else 200


def _review_page(draft, form, status=200):
    now = utcnow()
    cart, summary, pricing, gift_card = service.review(draft, current_customer(), _visitor(),
                                                       now)
    if summary.item_count == 0:
        flash("Your cart is empty.", "error")
        return redirect(url_for("cart.show"))
    if not service.ready_to_review(draft, summary):
        return redirect(url_for("checkout.details"))
    if service.reserve_number(draft):
        draft.store(session)
    promo_problem = service.promo_of(draft, summary, now)[1]
    if promo_problem and promo_problem not in " ".join(form.form_errors):
        form.form_errors.append(f"{promo_problem} Please change the payment to remove it.")
    form.reviewed.data = service.fingerprint(summary, pricing, draft)
    form.number.data = draft.number
    card = payments.saved_card(current_customer(), draft.saved_card_id) or draft.card
    return render_template("checkout/review.html", form=form, summary=summary, pricing=pricing,
                           gift_card=gift_card, draft=draft, card=card,
                           needs_cvv=bool(draft.card) and pricing.card_cents > 0), status


@bp.get("/review")
def review():
    """Step 3: everything on one page, then "Place order"."""
    return _review_page(_draft(), PlaceOrderForm(formdata=None))


@bp.post("/place")
def place():
    """Place the order: authorize the card, record the order; one order however often sent."""
    draft = _draft()
    form = PlaceOrderForm()
    if form.number.data and draft.placed_here(form.number.data, time.time(),
                                              GUEST_ORDER_SECONDS):
        return redirect(url_for("checkout.done", number=form.number.data))  # sent again
    if not form.validate():
        flash("The form expired. Please check your order and place it again.", "error")
        return redirect(url_for("checkout.review"))
    status = 400
    config = current_app.config
    # A twin click waits for the first one: an authorization, its void by reference after a
    # timeout, and the database's busy timeout; gunicorn's 30 s timeout is the ceiling.
    twin_wait = min(2 * config["PROCESSOR_TIMEOUT"] + 12, 25)
    try:
        order = placing.place_order(draft, current_customer(), _visitor(), client_ip(),
                                    form.cvv.data, form.reviewed.data,
                                    gateway.client_from_config(config), twin_wait,
                                    attribution())
    except placing.StillPlacing as error:
        attach_error(form, error)  # the same number again: it will not be charged twice
        return _review_page(draft, form, 409)
    except service.CheckoutError as error:
        attach_error(form, error)
    except gateway.PaymentError as error:
        form.form_errors.append(error.customer_message)
        status = 503 if isinstance(error, gateway.ProcessorUnavailable) else 402
    else:
        draft.finish(order.number, time.time())
        draft.store(session)
        session["cart_count"] = 0
        return redirect(url_for("checkout.done", number=order.number))
    draft.number = ""  # whatever failed, the next try is a new attempt with a new number
    draft.store(session)
    return _review_page(draft, form, status)


def _placed_order(number):
    """The order when it is this customer's, or was placed in this browser; else 404."""
    order = orders.order_of_customer(current_customer(), number)
    if order is None and _draft().placed_here(number, time.time(), GUEST_ORDER_SECONDS):
        order = orders.order_by_number(number)
    if order is None:
        abort(404)
    return order


@bp.get("/done/<number>")
def done(number):
    """The confirmation: order number, what was ordered and how it was paid."""
    order = _placed_order(number)
    form = BecomeCustomerForm(formdata=None) if order.customer_id is None else None
    return render_template("checkout/done.html", order=order, lines=orders.lines_of(order),
                           form=form)


@bp.post("/done/<number>/account")
def become_customer(number):
    """A guest opens an account with the details of the order just placed."""
    order = _placed_order(number)
    if order.customer_id is not None or current_customer() is not None:
        return redirect(url_for("checkout.done", number=order.number))
    form = BecomeCustomerForm()
    if form.validate():
        try:
            customer = service.open_account_from_order(order, form.password.data, client_ip())
        except accounts.AccountError as error:
            attach_error(form, error)
        else:
            sign_in(customer)
            flash("Your account is ready, and this order is in it.", "success")
            return redirect(url_for("orders.detail", number=order.number))
    return render_template("checkout/done.html", order=order, lines=orders.lines_of(order),
                           form=form), 400
