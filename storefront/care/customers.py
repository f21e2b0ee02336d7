"""Care → Customers: find a customer, see everything care may see of them, call notes, and
opt-outs by phone (P4, P20, P21)."""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.models import Customer
from storefront.care import finder, invitations, phone_consent
from storefront.care.forms import CallNoteForm, CustomerSearchForm, WithdrawForm
from storefront.mail import views as staff_mail
from storefront.orders import service as orders
from storefront.privacy import audit, consent
from storefront.privacy.consent import CHANNELS
from storefront.support import notes

bp = Blueprint("care_customers", __name__, url_prefix="/care", template_folder="templates")

ROLES = ("care", "admin")
# Fulfilment reads orders too; call notes and customers' pages stay care's.
ORDER_ROLES = ("care", "fulfilment", "admin")
_CUSTOMER = "/customers/<int(max=2147483647):customer_id>"


def takes_calls(staff):
    """Whether the staff member is care's (care or admin): reads and writes call notes and
    opens customers' pages."""
    return bool(staff.role_set & set(ROLES))


def reads_mail(staff):
    """Whether the staff member may open the staff mail viewer the mail rows link to."""
    return bool(staff.role_set & set(staff_mail.ROLES))


def _customer_or_404(customer_id):
    found = Customer.open_account(customer_id)
    if found is None:
        abort(404)
    return found


def _order_or_404(number):
    found = orders.order_by_number(number)
    if found is None:
        abort(404)
    return found


@bp.route("/", methods=("GET", "POST"))
@staff_route(*ROLES)
def search():
    """One box: a name, an email address, a phone number typed any way, or an order number.
    The form is posted and answered with the results, so the term stays out of addresses."""
    if request.method == "GET":
        return render_template("care/search.html", form=CustomerSearchForm(formdata=None),
                               results=None, limit=finder.SEARCH_LIMIT)
    form = CustomerSearchForm()
    results = None
    if form.validate_on_submit():
        results = finder.search(form.q.data, current_app.config["SHOP_COUNTRY"],
                                finder.SEARCH_LIMIT)
        # One event per person shown; the term (maybe an address or number) in none.
        audit.shown(current_staff(), "customer search results", results.people())
    return render_template("care/search.html", form=form, results=results,
                           limit=finder.SEARCH_LIMIT), 400 if form.errors else 200


def _customer_page(customer, note_form=None, status=200):
    audit.viewed(current_staff(), "customer page", customer_id=customer.id,
                 address=customer.email)
    return render_template("care/customer.html", file=finder.customer_file(customer),
                           note_form=note_form or CallNoteForm(formdata=None),
                           purpose=consent.purpose, channels=CHANNELS,
                           mail_links=reads_mail(current_staff())), status


@bp.get(_CUSTOMER)
@staff_route(*ROLES)
def customer(customer_id):
    """A customer: contact details and phones, orders, saved cards (masked), consent,
    correspondence, mail and call notes."""
    return _customer_page(_customer_or_404(customer_id))


@bp.post(f"{_CUSTOMER}/notes")
@staff_route(*ROLES)
def customer_note(customer_id):
    """Keep a note of a call with the customer."""
    found = _customer_or_404(customer_id)
    form = CallNoteForm()
    if form.validate_on_submit():
        try:
            note = notes.add(current_staff(), form.body.data, customer=found,
                             form_key=form.form_key.data)
        except notes.NoteError as error:
            form.body.errors = [str(error)]
        else:
            return _note_kept(note)
    return _customer_page(found, form, 400)


def _note_kept(note):
    """To the note, on the page of what it is about (the first post's note, on a second)."""
    flash("The call note is kept.", "success")
    if note.order_id is not None:
        return redirect(url_for("care_customers.order", number=note.order.number,
                                _anchor=f"note-{note.id}"))
    return redirect(url_for("care_customers.customer", customer_id=note.customer_id,
                            _anchor=f"note-{note.id}"))


@bp.post(f"{_CUSTOMER}/consent/withdraw")
@staff_route(*ROLES)
def withdraw(customer_id):
    """Record the opt-out the customer asks for on the phone: one purpose, or all."""
    found = _customer_or_404(customer_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        events = phone_consent.withdraw(found, form.purpose.data, current_staff())
    except phone_consent.UnknownPurpose:
        abort(400)
    if events:
        withdrawn = "; ".join(consent.purpose(event.purpose).name for event in events)
        flash(f"Opt-out by phone recorded for {found.email}. Withdrawn: {withdrawn}. "
              "They will get a notice by email.", "success")
    else:
        flash(f"{found.email} had not agreed to that mail: nothing new was recorded.",
              "success")
    return redirect(url_for("care_customers.customer", customer_id=found.id,
                            _anchor="consent"))


def _order_page(order, note_form=None, status=200):
    audit.viewed(current_staff(), f"order {order.number}", customer_id=order.customer_id,
                 address=order.email)
    staff = current_staff()
    care_staff = takes_calls(staff)
    file = finder.order_file(order, current_app.config["CARRIER_TRACKING_URL"],
                             with_notes=care_staff)
    return render_template("care/order.html", file=file,
                           note_form=note_form or CallNoteForm(formdata=None),
                           care_staff=care_staff, mail_links=reads_mail(staff),
                           invitation=invitations.offer(order) if care_staff else None), status


@bp.get("/orders/<number>")
@staff_route(*ORDER_ROLES)
def order(number):
    """An order, web or phone, with or without an account: contact, lines, payment (the card
    masked), shipments, mail, and for care its call notes."""
    return _order_page(_order_or_404(number))


@bp.post("/orders/<number>/notes")
@staff_route(*ROLES)
def order_note(number):
    """Keep a note of a call about the order (on the customer's page too)."""
    found = _order_or_404(number)
    form = CallNoteForm()
    if form.validate_on_submit():
        try:
            note = notes.add(current_staff(), form.body.data, order=found,
                             form_key=form.form_key.data)
        except notes.NoteError as error:
            form.body.errors = [str(error)]
        else:
            return _note_kept(note)
    return _order_page(found, form, 400)
