"""Checkout pages: details, payment, review, then the placed order's confirmation."""
import time
from datetime import date

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user
from wtforms import SelectChoice

from storefront.accounts import service as accounts
from storefront.accounts.contact import display_phone
from storefront.accounts.current import (FRESH_MINUTES, confirm_password, current_customer,
                                         login_is_fresh, sign_in)
from storefront.accounts.forms import ConfirmPasswordForm, attach_error
from storefront.accounts.models import Address, Phone
from storefront.accounts.passwords import CUSTOMER_MIN_LENGTH
from storefront.checkout import invitation, payment_step, service, shipping
from storefront.checkout.draft import Draft
from storefront.checkout.forms import (BecomeCustomerForm, DetailsForm, PaymentForm,
                                       PlaceOrderForm)
from storefront.orders import service as orders
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
    form, saved_ids = payment_step.payment_form(PaymentForm, customer, draft, today,
                                                "A new card")
    if form.validate_on_submit() and payment_step.choose(
            form, saved_ids, draft, summary, customer=customer, ip=client_ip(),
            config=current_app.config, today=today):
        draft.store(session)
        return redirect(url_for("checkout.review"))
    payment_step.hide_card_numbers(form)
    return render_template("checkout/payment.html", form=form, summary=summary, draft=draft,
                           pricing=payment_step.pricing_so_far(draft, summary)), \
        400 if form.errors else 200


def _review_page(draft, form, status=200, password_form=None):
    review = payment_step.review_page(draft, current_customer(), _visitor(), form,
                                      lambda: draft.store(session))
    if review.back_to == "items":
        flash("Your cart is empty.", "error")
        return redirect(url_for("cart.show"))
    if review.back_to == "details":
        return redirect(url_for("checkout.details"))
    if password_form is None and _password_needed():
        password_form = ConfirmPasswordForm(formdata=None)
    return render_template("checkout/review.html", form=form, draft=draft,
                           password_form=password_form, fresh_minutes=FRESH_MINUTES,
                           **review.page), status


def _password_needed():
    """A customer orders only with a fresh login: the password typed lately in this browser
    session (not a browser that kept them signed in); a guest types in everything anyway."""
    return current_customer() is not None and not login_is_fresh()


def _password_refused():
    """The password the review page asked for, checked (a wrong one counts as a failed
    sign-in): None when it is right, else the form carrying the error."""
    password_form = ConfirmPasswordForm()
    if password_form.validate():
        try:
            confirm_password(password_form.password.data)
        except accounts.AccountError as error:
            attach_error(password_form, error)
        else:
            return None
    return password_form


@bp.get("/review")
def review():
    """Step 3: everything on one page, then "Place order"."""
    return _review_page(_draft(), PlaceOrderForm(formdata=None))


@bp.post("/place")
def place():
    """Place the order: authorize the card, record the order; one order however often sent.
    A customer whose login is not fresh types their password with it."""
    draft = _draft()
    form = PlaceOrderForm()
    if form.number.data and draft.placed_here(form.number.data, time.time(),
                                              GUEST_ORDER_SECONDS):
        return redirect(url_for("checkout.done", number=form.number.data))  # sent again
    if not form.validate():
        flash("The form expired. Please check your order and place it again.", "error")
        return redirect(url_for("checkout.review"))
    if _password_needed():
        refused = _password_refused()
        if refused is not None:
            return _review_page(draft, form, 400, refused)
    order, status = payment_step.place(
        form, draft, lambda: draft.store(session), customer=current_customer(),
        visitor_id=_visitor(), ip=client_ip(), config=current_app.config,
        attribution=attribution())
    if order is None:
        return _review_page(draft, form, status)
    session["cart_count"] = 0
    return redirect(url_for("checkout.done", number=order.number))


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
            return _welcome(customer, order)
    return render_template("checkout/done.html", order=order, lines=orders.lines_of(order),
                           form=form), 400


def _welcome(customer, order):
    """Sign the new account in and show it the order it was opened from."""
    sign_in(customer)
    flash("Your account is ready, and this order is in it.", "success")
    return redirect(url_for("orders.detail", number=order.number))


def _closed_invitation(error):
    """An invitation that is too old (ask for a new one) or spent (sign in): 410."""
    spent = error.order if isinstance(error, invitation.SpentLink) else None
    return render_template("checkout/invitation_closed.html", problem=str(error),
                           order=spent), 410


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def open_invitation(token):
    """The link Customer Care emailed a caller whose order they took: choose a password, and
    the order's details become an account that holds it. A GET changes nothing (mail scanners
    open links); the argument is named token, so no log keeps it.

    Opening the account signs this browser in to it, so while anyone (a customer or staff) is
    signed in here the page only asks them to sign out first, and a POST (409) does nothing:
    on a shared computer nobody is silently switched to another account or signed out."""
    secret = current_app.config["SECRET_KEY"]
    try:
        order = invitation.order_of(token, secret)
    except invitation.UnknownLink:
        abort(404)
    except invitation.InvitationError as error:
        return _closed_invitation(error)
    if current_user.is_authenticated:
        return render_template("checkout/invitation_signed_in.html", order=order,
                               signed_in=current_user), 409 if request.method == "POST" else 200
    form, has_account = BecomeCustomerForm(), False
    if form.validate_on_submit():
        try:
            customer, order = invitation.accept(token, form.password.data, client_ip(), secret)
        except invitation.InvitationError as error:
            return _closed_invitation(error)
        except accounts.AccountError as error:
            attach_error(form, error)
            has_account = error.errors.get("email") == accounts.EMAIL_TAKEN
        else:
            return _welcome(customer, order)
    return render_template("checkout/invitation.html", order=order, form=form,
                           has_account=has_account, min_length=CUSTOMER_MIN_LENGTH), \
        400 if form.errors else 200
