"""Catalogue pages: home, categories, product pages, search, product images.

Listings and lookups that are the same for every visitor are kept for CACHE_SECONDS in a
per-process cache (rendered as HTML where they carry no per-visitor content); anything tied
to a visitor (sign-in state, cart count, CSRF tokens) is rendered fresh on every request.
"""
from pathlib import Path

from flask import (Blueprint, abort, current_app, g, has_request_context, render_template,
                   send_from_directory)
from markupsafe import Markup
from peewee import DatabaseError

from storefront.accounts.current import personalizing
from storefront.catalogue import service
from storefront.catalogue.models import Category, Product
from storefront.catalogue.words import words_of
from storefront.tracking.clicklog import clicks
from storefront.tracking.models import PageView
from storefront.tracking.pipeline import viewing_product
from storefront.web.memo import TimedCache
from storefront.web.params import choice_arg, int_arg, text_arg

bp = Blueprint("catalogue", __name__, template_folder="templates")
fragments = TimedCache()
viewed_ids = TimedCache(max_entries=1024)  # a visitor's latest products in the page-view log
HOME_PRODUCTS = 8
RECENTLY_VIEWED = 4


def _cached(key, compute):
    return fragments.get(key, current_app.config["CACHE_SECONDS"], compute)


def _fragment(template, **context):
    """Render a fragment that holds nothing per visitor, without the context processors
    (render_template would run them again for every fragment)."""
    return Markup(current_app.jinja_env.get_template(template).render(**context))


@bp.app_context_processor
def navigation():
    """The category menu on every page (empty when the database cannot be read, so that
    error pages still render; and outside a request, where only mail is rendered)."""
    if not has_request_context():
        return {}
    try:
        menu = _cached("menu", service.category_menu)
    except DatabaseError:
        return {"category_menu": [], "category_nav": ""}
    return {"category_menu": menu,
            "category_nav": _cached("menu-html", lambda: _fragment(
                "catalogue/_category_nav.html", menu=menu))}


def recently_viewed(exclude=None):
    """The visible products this visitor viewed last (their own page views, and those this
    process has not written yet), latest first; none for a customer who turned
    personalization off. Rendered per request, never cached; the products are read every
    time, so a hidden one leaves at once."""
    if g.get("tracked_visitor") is None:  # a browser seen once has viewed nothing before
        return []
    if not personalizing():
        return []
    visitor_id = g.visitor_id
    pending = [row["product_id"] for row in reversed(clicks.pending(visitor_id))
               if row["product_id"]]
    ids = [i for i in dict.fromkeys(pending + _logged_product_ids(visitor_id))
           if i != exclude][:RECENTLY_VIEWED]
    if not ids:
        return []
    found = {p.id: p for p in Product.visible().where(Product.id.in_(ids))}
    return [found[i] for i in ids if i in found]


def _logged_product_ids(visitor_id):
    """The visitor's latest products in the page-view log, kept per process for
    TRACKING_FLUSH_SECONDS: a view served by another worker takes up to that long to be
    written anyway. The key holds the number of this process's own writes, so a view it has
    just written (no longer pending) is never missing."""
    return viewed_ids.get(
        (visitor_id, clicks.writes), current_app.config["TRACKING_FLUSH_SECONDS"],
        lambda: PageView.recent_product_ids(visitor_id, RECENTLY_VIEWED + 1))


@bp.get("/")
def home():
    """The home page: categories, live promotions, the newest products, what this visitor
    viewed last."""
    newest = _cached("home", lambda: _fragment(
        "catalogue/_cards.html", products=service.newest_products(HOME_PRODUCTS)))
    return render_template("catalogue/home.html", newest=newest,
                           recently_viewed=recently_viewed())


@bp.get("/c/<slug>")
def category(slug):
    """A category's products, sorted and paged."""
    sort = choice_arg("sort", service.SORTS, "newest")
    number = int_arg("page", 1, 1, service.MAX_PAGE)
    found = _cached(("category", slug), lambda: Category.get_or_none(Category.slug == slug))
    if found is None or found.is_hidden:
        abort(404)
    size = current_app.config["CATALOGUE_PAGE_SIZE"]
    if number > service.page_count(found, size):
        abort(404)
    listing = _cached(("category-page", found.id, sort, number), lambda: _fragment(
        "catalogue/_listing.html", page=service.category_page(found, sort, number, size),
        endpoint="catalogue.category", pager_args={"slug": found.slug, "sort": sort}))
    return render_template("catalogue/category.html", category=found, listing=listing,
                           sort=sort, sorts=service.SORTS)


@bp.get("/p/<slug>")
def product(slug):
    """A product page."""
    found = _cached(("product", slug), lambda: service.visible_product(slug))
    if found is None:
        abort(404)
    if personalizing():  # a customer who turned it off leaves no trail of products
        viewing_product(found.id)
    return render_product_page(found)


def render_product_page(product, cart_form=None, status=200):
    """The product page; the cart shows it again with the quantity's error next to the field.

    The details are cached HTML; the add-to-cart form (with its CSRF token) is per visitor.
    """
    details = _cached(("product-html", product.slug), lambda: _fragment(
        "catalogue/_product_details.html", product=product))
    return render_template("catalogue/product.html", product=product, details=details,
                           cart_form=cart_form,
                           recently_viewed=recently_viewed(exclude=product.id)), status


@bp.get("/search")
def search():
    """Products matching every word of q."""
    text = text_arg("q", 200)
    sort = choice_arg("sort", service.SORTS, "newest")
    number = int_arg("page", 1, 1, service.MAX_PAGE)
    size = current_app.config["CATALOGUE_PAGE_SIZE"]
    words = " ".join(words_of(text))  # the cache key, and so the only text in the fragment
    listing = _cached(("search", words, sort, number), lambda: _fragment(
        "catalogue/_listing.html", page=service.search_page(words, sort, number, size),
        endpoint="catalogue.search", pager_args={"q": words, "sort": sort}))
    return render_template("catalogue/search.html", q=text, sort=sort, sorts=service.SORTS,
                           listing=listing)


@bp.get("/media/<path:name>")
def media(name):
    """Product images under instance/media; send_from_directory refuses paths outside it."""
    response = send_from_directory(Path(current_app.config["INSTANCE_PATH"]) / "media", name,
                                   max_age=86400)
    # An image is never a document: no script, no plugin, even if an SVG carried one.
    response.headers["Content-Security-Policy"] = \
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
