"""What the back office's picture uploads share: where pictures are kept, and the answer to
a request over the app's size limit (MAX_CONTENT_LENGTH), which cannot be read at all."""
from pathlib import Path

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from storefront.accounts.current import current_staff
from storefront.web.errors import render_error


def media_root():
    """instance/media/: where uploaded pictures are stored, and served from."""
    return Path(current_app.config["INSTANCE_PATH"]) / "media"


def request_limit_mb():
    """The most a request may carry, in MB, as the upload fields' hints say it."""
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


def answer_too_large(bp, pages):
    """Answer a request over the size limit to one of bp's upload routes with the route's own
    page, the reason next to its picture field. pages maps a route's endpoint to a function
    of (message, **the route's URL values) that renders that page with a 413, or returns
    None when the page's record does not exist. Anyone the route does not allow, any other
    route, and a missing record get the plain error page."""

    @bp.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        """A request over MAX_CONTENT_LENGTH: nothing of it was read."""
        page = pages.get(request.endpoint)
        view = current_app.view_functions.get(request.endpoint)
        staff = current_staff()
        if page is None or staff is None or \
                not staff.role_set & getattr(view, "staff_roles", frozenset()):
            return render_error(413)
        message = (f"What you sent is larger than {request_limit_mb()} MB altogether, so "
                   "nothing was read or saved. Send fewer or smaller pictures.")
        return page(message, **(request.view_args or {})) or render_error(413)

    return too_large
