"""The request pipeline every page goes through: visitor, headers, errors, filters."""
from flask import abort, current_app, has_request_context, request, session, url_for
from markupsafe import Markup

from storefront.web import errors, security, visitor
from storefront.web.cookie_session import CookieSessionInterface
from storefront.web.money import format_money


def refuse_nul_bytes():
    """A NUL byte is never valid input, and PostgreSQL refuses it in text: stop it at the door."""
    if "\x00" in request.path or any("\x00" in value for value in request.args.values()) or \
            (request.method == "POST" and any("\x00" in v for v in request.form.values())):
        abort(400, "The request contains a character we cannot accept.")


def allow_upload(max_bytes):
    """Let a view read a request body of up to max_bytes instead of MAX_CONTENT_LENGTH (a
    catalogue file): kept on the view as upload_limit, applied before anything reads the body
    (the CSRF check, refuse_nul_bytes, which still reads its form fields)."""
    def mark(view):
        view.upload_limit = max_bytes
        return view
    return mark


def apply_upload_limit(endpoint, values):
    """The matched view's own upload limit, if it has one. A URL value preprocessor: Flask
    runs those before every before_request function."""
    limit = getattr(current_app.view_functions.get(endpoint), "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit


_links = {}


def link(endpoint, **values):
    """url_for for the links every page repeats (the header and footer): built once per
    endpoint, arguments and script root (a co-brand's /co/<slug> prefix), then remembered;
    url_for costs a few microseconds each, and a page has a dozen of them."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    found = _links.get(key)
    if found is None:
        if len(_links) > 2000:  # bounded, whatever prefixes requests come with
            _links.clear()
        found = _links[key] = url_for(endpoint, **values)
    return found


_footers = {}


def site_footer():
    """The footer's HTML: the same on every page of a script root, so rendered once per root,
    shop name and phone (a dozen links and filters cost more than the rest of the layout)."""
    config = current_app.config
    key = (request.script_root, config["SHOP_NAME"], config["SHOP_PHONE"])
    found = _footers.get(key)
    if found is None:
        if len(_footers) > 200:  # bounded, like the links
            _footers.clear()
        found = _footers[key] = Markup(current_app.jinja_env.get_template("_footer.html").render(
            shop_name=key[1], shop_phone=key[2]))
    return found


def init_app(app):
    """Install the pipeline on the app."""
    app.session_interface = CookieSessionInterface()
    app.add_template_global(link, "link")
    app.add_template_global(site_footer, "site_footer")
    app.url_value_preprocessor(apply_upload_limit)
    app.before_request(refuse_nul_bytes)
    security.init_app(app)
    visitor.init_app(app)
    errors.init_app(app)
    app.add_template_filter(format_money, "money")

    @app.context_processor
    def shop():
        """Shop-wide values every template may use."""
        return {"shop_name": app.config["SHOP_NAME"], "shop_phone": app.config["SHOP_PHONE"],
                "cart_count": session.get("cart_count", 0) if has_request_context() else 0}
