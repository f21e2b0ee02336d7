"""Care → Correspondence (P10): contact-form messages and mail to the care address, for care
staff only; the opt-out a message asks for is recorded from here (P20)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.privacy import audit
from storefront.privacy.consent import PURPOSES
from storefront.support import service
from storefront.web.params import choice_arg, int_arg

bp = Blueprint("care_inbox", __name__, url_prefix="/care/inbox", template_folder="templates")

ROLES = ("care", "admin")
_ID = "<int(max=2147483647):correspondence_id>"


def _message_or_404(correspondence_id):
    message = service.get(correspondence_id)
    if message is None:
        abort(404)
    return message


@bp.get("/")
@staff_route(*ROLES)
def index():
    """Open messages first, newest first; ?status=open or closed shows one kind."""
    status = choice_arg("status", ("all", "open", "closed"), "all")
    page = int_arg("page", 1, 1, 100_000)
    messages = service.inbox(None if status == "all" else status, page)
    return render_template("care/inbox.html", messages=messages, status=status, page=page,
                           counts=service.counts(), page_size=service.PAGE_SIZE)


@bp.get(f"/{_ID}")
@staff_route(*ROLES)
def read(correspondence_id):
    """One message as text, its sender's account and current marketing choices."""
    message = _message_or_404(correspondence_id)
    account = service.account_of(message)
    audit.viewed(current_staff(), f"correspondence {message.id}",
                 customer_id=account.id if account else None, address=message.sender_email)
    return render_template("care/inbox_message.html", message=message, account=account,
                           consent_state=service.consent_state(message), purposes=PURPOSES)


@bp.post(f"/{_ID}/optout")
@staff_route(*ROLES)
def optout(correspondence_id):
    """Withdraw every marketing consent of the sender, as their message asks."""
    message = _message_or_404(correspondence_id)
    if EmptyForm().validate_on_submit():
        events = service.record_optout_from(message, current_staff())
        if events:
            withdrawn = "; ".join(PURPOSES[event.purpose].name for event in events)
            flash(f"Opt-out recorded for {message.sender_email}. Withdrawn: {withdrawn}.",
                  "success")
        else:
            flash(f"{message.sender_email} had no marketing consent to withdraw; "
                  "nothing new was recorded.", "success")
    return redirect(url_for("care_inbox.read", correspondence_id=message.id))


@bp.post(f"/{_ID}/close")
@staff_route(*ROLES)
def close(correspondence_id):
    """Mark the message dealt with."""
    message = _message_or_404(correspondence_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("care_inbox.read", correspondence_id=message.id))
    if service.close(message):
        flash(f"The message from {message.sender_email} is closed.", "success")
    return redirect(url_for("care_inbox.index"))
