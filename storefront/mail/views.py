"""Staff pages for mail: what is waiting or failed, what a customer was sent, one message."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.mail import delivery
from storefront.mail.models import OutboxMessage
from storefront.privacy import audit

# template_folder also gives every mail template mail/_layout.html and mail/_layout.txt.
bp = Blueprint("staff_mail", __name__, url_prefix="/staff/mail", template_folder="templates")

PAGE_SIZE = 100
ROLES = ("care", "admin")  # who reads the mail pages


@bp.get("/")
@staff_route(*ROLES)
def index():
    """Failed and waiting messages first, with attempts and the last error; search by email
    or order number."""
    search = request.args.get("q", "")[:254]
    messages = list(OutboxMessage.for_staff(search).limit(PAGE_SIZE))
    if search.strip():
        # The search term may be someone's address: it goes in no description (the event's
        # address column names the person, and is hashed if they delete their account).
        audit.listed(current_staff(), "mail searched by recipient or order number",
                     [(row.customer_id, row.recipient) for row in messages])
    return render_template("staff/mail/index.html", messages=messages, search=search,
                           counts=OutboxMessage.counts(), page_size=PAGE_SIZE)


@bp.get("/<int(max=2147483647):message_id>")
@staff_route(*ROLES)
def message(message_id):
    """One message: its headers, delivery history and text; the HTML shown as source only."""
    row = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
    if row is None:
        return _gone()
    audit.viewed(current_staff(), f"mail message {row.id}", customer_id=row.customer_id,
                 address=row.recipient)
    return render_template("staff/mail/message.html", message=row, form=EmptyForm(),
                           mail_from=delivery.Settings.from_config(current_app.config).from_header)


@bp.post("/<int(max=2147483647):message_id>/retry")
@staff_route(*ROLES)
def retry(message_id):
    """Send a failed message again, with a fresh set of attempts."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("staff_mail.message", message_id=message_id))
    row = delivery.requeue(message_id)
    if row is None:
        return _gone()
    flash(f"The message to {row.recipient} will be sent again.", "success")
    return redirect(url_for("staff_mail.message", message_id=row.id))


def _gone():
    """A message that is not there (or not failed): back to the list, saying so."""
    flash("That message is not in the outbox, or is not waiting for a retry.", "error")
    return redirect(url_for("staff_mail.index"))
