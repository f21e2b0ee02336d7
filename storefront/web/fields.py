"""Form fields and filters the forms share (the date fields are the staff pages')."""
from wtforms import DateField, DateTimeLocalField
from wtforms.validators import Optional, ValidationError

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the days a shop's records can be asked about


def strip(value):
    """A form filter: text without the spaces around it (anything else as it is)."""
    return value.strip() if isinstance(value, str) else value


class Moment(DateTimeLocalField):
    """A date and time (UTC, as the browser's date-time picker sends it, with or without
    seconds), refused with a message that shows what to type."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("format", MOMENT_FORMATS)
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date and time like 2026-05-01 09:00.") from None


class Day(DateField):
    """An optional day (UTC) in a year from FIRST_YEAR to LAST_YEAR, refused with a message
    that shows what to type. not_before names the form's other Day that starts a range: this
    one, its end, may not come before it."""

    def __init__(self, label, not_before=None, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        super().__init__(label, **kwargs)
        self.not_before = not_before

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date like 2026-05-01.") from None

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.data is None:
            return
        if not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            raise ValidationError(f"Give a day between {FIRST_YEAR} and {LAST_YEAR}.")
        start = form[self.not_before].data if self.not_before else None
        if start and self.data < start:
            raise ValidationError("The end date is before the start date.")
