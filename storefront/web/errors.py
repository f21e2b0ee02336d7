"""Friendly error pages; a refused form without cookies explains why and offers the phone."""
from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Bad request", "The address or the form could not be understood."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "What you sent is larger than we accept."),
    429: ("Too many tries", "Please wait a little and try again."),
    500: ("Something went wrong", "The error has been logged. Please try again in a moment."),
}


def render_error(code, detail=None):
    """Render the error page for an HTTP status code."""
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def handle_http_error(error):
    """Our own page for every HTTP error; a 400's own reason is shown when we gave one."""
    ours = error.description != type(error).description
    return render_error(error.code or 500, error.description if ours and error.code == 400
                        else None)


def handle_csrf_error(error):
    """No cookies at all means the browser refuses them: say so, and how to order by phone."""
    if not request.cookies:
        return render_template("errors/cookies_needed.html"), 400
    return render_error(400, "This form has expired. "
                             "Please go back, reload the page and try again.")


def handle_unexpected(error):
    """Any other exception: logged, and the friendly 500 page without details."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    # The route's rule, not the path: a path may carry a token (an unsubscribe link's).
    current_app.logger.exception("unhandled error on %s %s", request.method,
                                 request.url_rule.rule if request.url_rule else "(no route)")
    return render_error(500)


def init_app(app):
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
