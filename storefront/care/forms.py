"""Forms of the care console's customer pages. Format rules live in the services; these
check presence and length."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

from storefront.support.notes import MAX_NOTE


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CustomerSearchForm(FlaskForm):
    """Whom to find. A GET form: it changes nothing, so it carries no CSRF token (one in the
    address would end up in browser histories)."""

    class Meta:
        csrf = False

    q = SearchField("Name, email, phone number or order number", filters=[_strip], validators=[
        InputRequired("Enter a name, an email address, a phone number or an order number."),
        Length(min=2, max=254, message="Enter between 2 and 254 characters."),
        # Control characters are in no name, address or number (and PostgreSQL refuses NUL).
        Regexp(r"^[^\x00-\x1f\x7f]*$", message="Use letters, digits and punctuation only.")])


class CallNoteForm(FlaskForm):
    """A note of what was said on a call."""

    body = TextAreaField("Note of the call", validators=[
        InputRequired("Write what was said on the call."),
        Length(max=MAX_NOTE, message=f"Use at most {MAX_NOTE:,} characters.")],
        render_kw={"rows": 4})


class WithdrawForm(FlaskForm):
    """One opt-out button: the purpose to withdraw, or "all"."""

    purpose = HiddenField(validators=[InputRequired(), Length(max=40)])
