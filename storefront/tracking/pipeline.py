"""Tracking in the request pipeline: visitors, touches, the page-view log (P17, P18)."""
from flask import g


def init_app(app):
    """Record what each request tells about its visitor (g.first_touch_id, g.last_touch_id)."""

    @app.before_request
    def _no_touches_yet():
        g.first_touch_id = g.last_touch_id = None
