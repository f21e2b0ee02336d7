"""The co-brand in the request pipeline: which partner's frame this visitor is in (g.partner)."""
from flask import g


def init_app(app):
    """Resolve the partner before every request (g.partner: a Partner or None)."""

    @app.before_request
    def _no_partner_yet():
        g.partner = None
