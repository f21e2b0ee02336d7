"""Forms of the care console's customer pages. Format rules live in the services; these
check presence and length."""
import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from storefront.support.notes import MAX_NOTE
from storefront.web.fields import strip

OUT_OF_DATE = "This form was out of date: send it again."


def _new_key():
    return str(uuid.uuid4())


class OnceForm(FlaskForm):
    """A form that makes one row however often it is posted: it carries a one-time key,
    and the service finds the row made with that key instead of making another."""

    form_key = HiddenField(default=_new_key)

    def validate_form_key(self, field):
        """A key as the page gave it. A form without one (a page older than the key, or not
        ours) comes back with a fresh key, so that sending it again works."""
        posted = field.raw_data[0] if field.raw_data else ""  # not the default: a new key
        try:
            valid = str(uuid.UUID(posted)) == posted
        except ValueError:
            valid = False
        if not valid:
            field.data = _new_key()
            raise ValidationError(OUT_OF_DATE)


class CustomerSearchForm(FlaskForm):
    """Whom to find. Posted, with a CSRF token, so that the term (often someone's address or
    phone number) stays out of the address bar, browser history and proxies' logs."""

    q = SearchField("Name, email, phone number or order number", filters=[strip], validators=[
        InputRequired("Enter a name, an email address, a phone number or an order number."),
        Length(min=2, max=254, message="Enter between 2 and 254 characters."),
        # Control characters are in no name, address or number (and PostgreSQL refuses NUL).
        Regexp(r"^[^\x00-\x1f\x7f]*$", message="Use letters, digits and punctuation only.")])


class CallNoteForm(OnceForm):
    """A note of what was said on a call. Its length is checked by notes.add once line ends
    are normalised, the way browsers count for maxlength."""

    body = TextAreaField("Note of the call", validators=[
        InputRequired("Write what was said on the call.")],
        render_kw={"rows": 4, "maxlength": MAX_NOTE})


class WithdrawForm(FlaskForm):
    """One opt-out button: the purpose to withdraw, or "all"."""

    purpose = HiddenField(validators=[InputRequired(), Length(max=40)])
