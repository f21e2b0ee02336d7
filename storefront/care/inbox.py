"""Care → Correspondence (P10): contact-form messages and mail to the care address, for care
staff only: who holds each one, the replies care sends through the outbox, closing and
reopening; the opt-out a message asks for is recorded from here (P20)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.care.forms import OnceForm
from storefront.privacy import audit
from storefront.privacy.consent import PURPOSES
from storefront.support import replies, service
from storefront.support.service import SupportError
from storefront.web.params import choice_arg, int_arg, whole_number

bp = Blueprint("care_inbox", __name__, url_prefix="/care/inbox", template_folder="templates")

ROLES = ("care", "admin")
_ID = "<int(max=2147483647):correspondence_id>"
STATUSES = ("all", "open", "closed")
HOLDERS = ("anyone", "me", "nobody")


class AssignForm(FlaskForm):
    """Who holds the message; the service decides who may (the choices are only a menu)."""

    assignee = SelectField("Assigned to", validate_choice=False, default="")

    def validate_assignee(self, field):
        """Empty (nobody) or a staff member's number."""
        if field.data and whole_number(field.data) is None:
            raise ValidationError("Choose an active member of Customer Care from the list.")

    def staff_id(self):
        """The chosen staff member's id, or None for nobody."""
        return whole_number(self.assignee.data) if self.assignee.data else None


class ReplyForm(OnceForm):
    """The reply; its length is checked by the service once line ends are normalised, the
    way browsers count for maxlength. Its one-time key makes a double click one reply."""

    body = TextAreaField("Your reply", validators=[InputRequired("Write your reply.")],
                         render_kw={"rows": 10, "maxlength": replies.MAX_REPLY})
    send = SubmitField("Send reply")
    send_and_close = SubmitField("Send reply and close")


def _message_or_404(correspondence_id):
    message = service.get(correspondence_id)
    if message is None:
        abort(404)
    return message


def _back(message):
    return redirect(url_for("care_inbox.read", correspondence_id=message.id))


@bp.get("/")
@staff_route(*ROLES)
def index():
    """Open messages first, newest first; ?status=open or closed shows one kind, ?held=me
    the messages assigned to me and ?held=nobody those nobody has taken."""
    status = choice_arg("status", STATUSES, "all")
    held = choice_arg("held", HOLDERS, "anyone")
    page = int_arg("page", 1, 1, 100_000)
    messages = service.inbox(None if status == "all" else status, page,
                             assigned_to=current_staff().id if held == "me" else None,
                             unassigned=held == "nobody")
    return render_template("care/inbox.html", messages=messages, status=status, held=held,
                           page=page, counts=service.counts(), page_size=service.PAGE_SIZE)


def _page(message, assign_form=None, reply_form=None, status=200):
    """The message page (audited: it shows the sender's data), with the forms as posted."""
    account = service.account_of(message)
    audit.viewed(current_staff(), f"correspondence {message.id}",
                 customer_id=account.id if account else None, address=message.sender_email)
    if assign_form is None:
        assign_form = AssignForm(formdata=None, assignee=str(message.assigned_to_id or ""))
    assign_form.assignee.choices = [SelectChoice("", "Nobody")] + [
        SelectChoice(str(member.id), f"{member.name} ({member.email})")
        for member in service.assignable_staff()]
    return render_template("care/inbox_message.html", message=message, account=account,
                           consent_state=service.consent_state(message), purposes=PURPOSES,
                           thread=replies.thread(message), assign_form=assign_form,
                           reply_form=reply_form or ReplyForm(formdata=None),
                           max_reply=replies.MAX_REPLY,
                           stranger_subject=replies.stranger_subject(
                               current_app.config["SHOP_NAME"])), status


@bp.get(f"/{_ID}")
@staff_route(*ROLES)
def read(correspondence_id):
    """One message as text and the replies to it, its sender's account and current
    marketing choices."""
    return _page(_message_or_404(correspondence_id))


@bp.post(f"/{_ID}/assign")
@staff_route(*ROLES)
def assign(correspondence_id):
    """Give the message to a member of care or admin staff, to oneself, or to nobody."""
    message = _message_or_404(correspondence_id)
    form = AssignForm()
    if form.validate_on_submit():
        try:
            member = service.assign(message, form.staff_id())
        except SupportError as error:
            attach_error(form, error)
        else:
            flash(f"The message is assigned to {member.name}." if member else
                  "The message is assigned to nobody.", "success")
            return _back(message)
    return _page(message, assign_form=form, status=400)


@bp.post(f"/{_ID}/reply")
@staff_route(*ROLES)
def reply(correspondence_id):
    """Send a reply to the sender's address through the outbox; optionally close too."""
    message = _message_or_404(correspondence_id)
    form = ReplyForm()
    if form.validate_on_submit():
        closing = form.send_and_close.data and message.status == message.OPEN
        config = current_app.config
        try:
            row, created = replies.reply(message, current_staff(), form.body.data,
                                         shop_name=config["SHOP_NAME"],
                                         care_email=config["CARE_EMAIL"], close=closing,
                                         form_key=form.form_key.data)
        except SupportError as error:
            attach_error(form, error)
        else:
            if not created:
                flash("That reply was sent already: here it is.", "success")
                return redirect(url_for("care_inbox.read",
                                        correspondence_id=row.correspondence_id,
                                        _anchor=f"reply-{row.id}"))
            stays = " The message stays closed." if message.status == message.CLOSED else ""
            flash(f"Your reply to {message.sender_email} is on its way"
                  f"{' and the message is closed' if closing else ''}.{stays}", "success")
            return redirect(url_for("care_inbox.index")) if closing else _back(message)
    return _page(message, reply_form=form, status=400)


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
    return _back(message)


@bp.post(f"/{_ID}/close")
@staff_route(*ROLES)
def close(correspondence_id):
    """Mark the message dealt with."""
    message = _message_or_404(correspondence_id)
    if not EmptyForm().validate_on_submit():
        return _back(message)
    if service.close(message):
        flash(f"The message from {message.sender_email} is closed.", "success")
    return redirect(url_for("care_inbox.index"))


@bp.post(f"/{_ID}/reopen")
@staff_route(*ROLES)
def reopen(correspondence_id):
    """Put a closed message back in the open queue."""
    message = _message_or_404(correspondence_id)
    if EmptyForm().validate_on_submit() and service.reopen(message):
        flash(f"The message from {message.sender_email} is open again.", "success")
    return _back(message)
