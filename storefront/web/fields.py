"""Form fields the staff pages share."""
from wtforms import DateTimeLocalField

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


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
