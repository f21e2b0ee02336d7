"""Catalogue pages: home, categories, product pages, search, product images."""
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from storefront.catalogue import service
from storefront.catalogue.models import Category, Product
from storefront.web.memo import TimedCache
from storefront.web.params import choice_arg, int_arg, text_arg

bp = Blueprint("catalogue", __name__, template_folder="templates")
fragments = TimedCache()
HOME_PRODUCTS = 8


def _cache_seconds():
    return current_app.config["CACHE_SECONDS"]


@bp.app_context_processor
def navigation():
    """The category menu on every page (cached for a few seconds per process)."""
    return {"category_menu": fragments.get("menu", _cache_seconds(), service.category_menu)}


@bp.get("/")
def home():
    """The home page: categories and the newest products."""
    products = fragments.get("home", _cache_seconds(),
                             lambda: service.newest_products(HOME_PRODUCTS))
    return render_template("catalogue/home.html", products=products)


@bp.get("/c/<slug>")
def category(slug):
    """A category's products, sorted and paged."""
    found = Category.get_or_none(Category.slug == slug)
    if found is None:
        abort(404)
    sort = choice_arg("sort", service.SORTS, "newest")
    number = int_arg("page", 1, 1, service.MAX_PAGE)
    page = service.category_page(found, sort, number, current_app.config["CATALOGUE_PAGE_SIZE"])
    if number > 1 and not page.items:
        abort(404)
    return render_template("catalogue/category.html", category=found, page=page, sort=sort,
                           sorts=service.SORTS)


@bp.get("/p/<slug>")
def product(slug):
    """A product page."""
    found = (Product.select(Product, Category).join(Category)
             .where(Product.slug == slug, Product.is_hidden == False)  # noqa: E712
             .first())
    if found is None:
        abort(404)
    return render_template("catalogue/product.html", product=found)


@bp.get("/search")
def search():
    """Products matching every word of q."""
    text = text_arg("q", 200)
    sort = choice_arg("sort", service.SORTS, "newest")
    number = int_arg("page", 1, 1, service.MAX_PAGE)
    page = service.search_page(text, sort, number, current_app.config["CATALOGUE_PAGE_SIZE"])
    return render_template("catalogue/search.html", q=text, page=page, sort=sort,
                           sorts=service.SORTS)


@bp.get("/media/<path:name>")
def media(name):
    """Product images under instance/media; send_from_directory refuses paths outside it."""
    response = send_from_directory(Path(current_app.config["INSTANCE_PATH"]) / "media", name,
                                   max_age=86400)
    # An image is never a document: no script, no plugin, even if an SVG carried one.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
