"""Where this request's visitor came from, for tagging what they create (P16, P18): the
co-brand they are in and their first and last touch, as the pipeline resolved them."""
from flask import g


def attribution():
    """{partner, first_touch_id, last_touch_id} for a new customer or order."""
    return {"partner": getattr(g, "partner", None),
            "first_touch_id": getattr(g, "first_touch_id", None),
            "last_touch_id": getattr(g, "last_touch_id", None)}
