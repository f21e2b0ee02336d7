"""Back office → Catalogue: products and categories, stock and availability, images, history.

Admin staff may do everything; fulfilment staff only set stock, availability and the expected
date (the stock form), and read the products and their history.
"""
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.backoffice import stock
from storefront.backoffice.catalogue_forms import (CategoryForm, DetailsForm, ImagesForm,
                                                   NewProductForm, StockForm, attach, pictures)
from storefront.catalogue import editing
from storefront.catalogue.models import Availability, Category, Product, ProductImage
from storefront.payments import gateway
from storefront.web.errors import render_error
from storefront.web.params import choice_arg, int_arg, text_arg, whole_number

bp = Blueprint("backoffice_catalogue", __name__, url_prefix="/staff/catalogue",
               template_folder="templates")
ADMIN = ("admin",)
STOCK = ("admin", "fulfilment")
PAGE_SIZE = 50
MAX_ID = 2**31 - 1


@bp.context_processor
def upload_limits():
    """What the picture fields' hints say."""
    return {"upload_mb": f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}",
            "picture_limits": editing.IMAGE_LIMITS, "most_pictures": editing.MAX_IMAGES}


def _media_root():
    return Path(current_app.config["INSTANCE_PATH"]) / "media"


def _product(product_id):
    found = Product.get_or_none(Product.id == product_id) if product_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _category(category_id):
    found = Category.get_or_none(Category.id == category_id) if category_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _category_choices(form):
    form.category.choices = [SelectChoice("", "Choose a category")] + [
        SelectChoice(str(category.id), category.name) for category in Category.ordered()]


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """Pictures over the app's request limit (MAX_CONTENT_LENGTH): the form could not be read
    at all, so its page comes back with the reason next to the pictures field (for admin
    staff; anyone else gets the plain error page)."""
    staff = current_staff()
    if staff is None or "admin" not in staff.role_set or request.endpoint not in (
            f"{bp.name}.product_new", f"{bp.name}.images_add"):
        return render_error(413)
    limit = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    message = (f"What you sent is larger than {limit:g} MB altogether, so nothing was read "
               "or saved. Send fewer or smaller pictures at a time.")
    if request.endpoint == f"{bp.name}.images_add":
        form = ImagesForm(formdata=None)
        form.images.errors = [message]
        return _product_page(_product(request.view_args["product_id"]), images_form=form,
                             status=413)
    form = NewProductForm(formdata=None, data={"availability": Availability.AVAILABLE})
    _category_choices(form)
    form.images.errors = [message]
    return render_template("backoffice/product_new.html", form=form), 413


@bp.get("/")
@staff_route(*STOCK)
def products():
    """Products, hidden ones too: search by name or SKU, filter by category and availability."""
    text = text_arg("q", 100)
    category_id = int_arg("category", 0, 0, MAX_ID)
    availability = choice_arg("availability", ["", *Availability.LABELS], "")
    number = int_arg("page", 1, 1, 100_000)
    page = editing.find_products(text, category_id, availability, number, PAGE_SIZE)
    return render_template("backoffice/catalogue_products.html", page=page, q=text,
                           category_id=category_id, availability=availability,
                           categories=list(Category.ordered()), labels=Availability.LABELS,
                           admin="admin" in current_staff().role_set)


@bp.route("/products/new", methods=["GET", "POST"])
@staff_route(*ADMIN)
def product_new():
    """A new product with its stock and pictures."""
    form = NewProductForm()
    _category_choices(form)
    if not form.is_submitted():
        form.availability.data = Availability.AVAILABLE
    if form.validate_on_submit():
        try:
            saved = editing.save_product(
                None, {**form.detail_values(), **form.stock_values()}, current_staff().id,
                pictures(form.images), _media_root())
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            flash(f"{saved.product.name} is created.", "success")
            return redirect(url_for(".product", product_id=saved.product.id))
    return render_template("backoffice/product_new.html", form=form), \
        400 if form.errors or form.form_errors else 200


def _product_page(product, details=None, stock_form=None, images_form=None, status=200):
    """The product's page: its details (admin), stock, pictures, with any posted form's
    problems next to its fields and the others as saved."""
    if details is None:
        details = DetailsForm(formdata=None, data={
            "name": product.name, "slug": product.slug, "description": product.description,
            "price": f"{product.price_cents / 100:.2f}", "sku": product.sku,
            "weight_grams": str(product.weight_grams), "category": str(product.category_id)})
    _category_choices(details)
    if stock_form is None:
        stock_form = StockForm(formdata=None, data={
            "stock": str(product.stock), "availability": product.availability,
            "expected_on": product.expected_on.isoformat() if product.expected_on else ""})
    gallery = list(product.images.order_by(ProductImage.position, ProductImage.id))
    return render_template(
        "backoffice/product_edit.html", product=product, details=details,
        stock_form=stock_form, images_form=images_form or ImagesForm(formdata=None),
        gallery=gallery, admin="admin" in current_staff().role_set,
        open_lines=len(stock.lines_to_follow(product.id, Availability.DISCONTINUED))), status


@bp.get("/products/<int:product_id>")
@staff_route(*STOCK)
def product(product_id):
    """A product: its details, stock and availability, pictures; a link to its history."""
    return _product_page(_product(product_id))


@bp.post("/products/<int:product_id>")
@staff_route(*ADMIN)
def product_save(product_id):
    """Save a product's details (name, address, description, price, SKU, weight, category)."""
    found = _product(product_id)
    form = DetailsForm()
    _category_choices(form)
    if form.validate_on_submit():
        try:
            saved = editing.save_product(found, form.detail_values(), current_staff().id)
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            flash("Saved." if saved.changes else "Nothing changed.", "success")
            return redirect(url_for(".product", product_id=found.id))
    return _product_page(found, details=form, status=400)


@bp.post("/products/<int:product_id>/stock")
@staff_route(*STOCK)
def product_stock(product_id):
    """Set stock, availability and expected date; open orders follow (see backoffice.stock)."""
    found = _product(product_id)
    form = StockForm()
    if form.validate_on_submit():
        try:
            saved, followed = stock.change_stock(
                found, form.stock_values(), current_staff().id,
                gateway.client_from_config(current_app.config), confirmed=form.confirm.data)
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            _report(saved, followed)
            return redirect(url_for(".product", product_id=found.id))
    return _product_page(found, stock_form=form, status=400)


def _report(saved, followed):
    flash("Stock and availability saved." if saved.changes else "Nothing changed.", "success")
    if followed.changed:
        numbers = ", ".join(dict.fromkeys(followed.changed))
        flash(f"Open orders updated, and their customers told: {numbers}.", "success")
    for number, why in followed.failed:
        flash(f"Order {number} was not updated: {why} Save again to retry.", "error")


@bp.post("/products/<int:product_id>/images")
@staff_route(*ADMIN)
def images_add(product_id):
    """Add pictures after the product's own."""
    found = _product(product_id)
    form = ImagesForm()
    if form.validate_on_submit():
        chosen = pictures(form.images)
        try:
            if not chosen:
                raise editing.CatalogueError({"images": "Choose one or more pictures."})
            editing.save_product(found, {}, current_staff().id, chosen, _media_root())
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            flash("The pictures are added." if len(chosen) > 1 else "The picture is added.",
                  "success")
            return redirect(url_for(".product", product_id=found.id))
    return _product_page(found, images_form=form, status=400)


@bp.post("/products/<int:product_id>/images/remove")
@staff_route(*ADMIN)
def image_remove(product_id):
    """Remove one picture (the image field names it)."""
    found = _product(product_id)
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    image_id = whole_number(request.form.get("image"))
    if image_id is None:
        abort(400, "Say which picture to remove.")
    try:
        editing.remove_image(found, image_id, current_staff().id, _media_root())
    except editing.CatalogueError as error:
        flash(str(error), "error")
    else:
        flash("The picture is removed.", "success")
    return redirect(url_for(".product", product_id=found.id))


def _set_hidden(product_id, hidden):
    found = _product(product_id)
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    editing.set_hidden(found, hidden, current_staff().id)
    flash(f"{found.name} is {'hidden from' if hidden else 'shown in'} the shop.", "success")
    return redirect(url_for(".product", product_id=found.id))


@bp.post("/products/<int:product_id>/hide")
@staff_route(*ADMIN)
def product_hide(product_id):
    """Hide the product from the shop (its page, listings and search)."""
    return _set_hidden(product_id, True)


@bp.post("/products/<int:product_id>/show")
@staff_route(*ADMIN)
def product_show(product_id):
    """Show a hidden product in the shop again."""
    return _set_hidden(product_id, False)


@bp.get("/products/<int:product_id>/history")
@staff_route(*STOCK)
def product_history(product_id):
    """Every change of the product: who, when, each field's old and new value."""
    found = _product(product_id)
    page, names = stock.history(found.id, int_arg("page", 1, 1, 100_000), PAGE_SIZE)
    return render_template("backoffice/product_history.html", product=found, page=page,
                           names=names, labels=Availability.LABELS)


@bp.get("/categories")
@staff_route(*ADMIN)
def categories():
    """Categories in menu order, with how many products each shows."""
    return render_template("backoffice/category_list.html",
                           categories=list(Category.ordered()))


@bp.route("/categories/new", methods=["GET", "POST"])
@staff_route(*ADMIN)
def category_new():
    """A new category."""
    return _edit_category(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@staff_route(*ADMIN)
def category_edit(category_id):
    """Change a category."""
    return _edit_category(_category(category_id))


def _edit_category(category):
    form = CategoryForm() if request.method == "POST" else CategoryForm(
        formdata=None, obj=category) if category else CategoryForm(formdata=None)
    if category is not None and request.method == "GET":
        form.position.data = str(category.position)
    if form.validate_on_submit():
        try:
            saved = editing.save_category(category, form.values())
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            flash(f"The category {saved.name} is saved.", "success")
            return redirect(url_for(".categories"))
    return render_template("backoffice/category_form.html", category=category, form=form), \
        400 if form.errors or form.form_errors else 200
