"""Public co-brand routes: leaving a partner's frame, and the themes' static files."""
from flask import Blueprint, abort, redirect, request, send_from_directory
from werkzeug.security import safe_join

from storefront.partners import pipeline
from storefront.partners.themes import DEFAULT, SLUG, THEMES
from storefront.web.redirects import safe_next

bp = Blueprint("cobrand", __name__, url_prefix="/cobrand")


@bp.post("/leave")
def leave():
    """Leave the co-brand (a form with CSRF): the shop's own pages from now on."""
    pipeline.remember(pipeline.LEFT)
    return redirect(safe_next(request.form.get("next"), "/"), code=303)


@bp.get("/<slug>/static/<path:filename>")
def static(slug, filename):
    """A file of a theme's static/ folder (logos, stylesheet); never outside it."""
    if not (slug == DEFAULT or SLUG.fullmatch(slug)):
        abort(404)
    folder = safe_join(str(THEMES), slug, "static")
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=3600)
