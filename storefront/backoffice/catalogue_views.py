"""Back office → Catalogue: products, their stock and availability, pictures and history
(categories: category_views, added to this blueprint).

Admin staff may do everything; fulfilment staff only set stock, availability and the expected
date (the stock form), and read the products and their history.
"""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from wtforms import SelectChoice

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.backoffice import category_views, history, stock
from storefront.backoffice.catalogue_forms import (DetailsForm, ImagesForm, NewProductForm,
                                                   StockForm, attach, pictures)
from storefront.backoffice.uploads import answer_too_large, media_root, request_limit_mb
from storefront.catalogue import editing
from storefront.catalogue.history import PRODUCTS
from storefront.catalogue.models import Availability, Category, Product, ProductImage
from storefront.payments import gateway
from storefront.web.params import choice_arg, int_arg, text_arg, whole_number

bp = Blueprint("backoffice_catalogue", __name__, url_prefix="/staff/catalogue",
               template_folder="templates")
category_views.add_routes(bp)
ADMIN = ("admin",)
STOCK = ("admin", "fulfilment")
PAGE_SIZE = 50
MAX_ID = 2**31 - 1


@bp.context_processor
def upload_limits():
    """What the picture fields' hints say."""
    return {"upload_mb": request_limit_mb(), "picture_limits": editing.IMAGE_LIMITS,
            "most_pictures": editing.MAX_IMAGES}


def _find_product(product_id):
    return Product.get_or_none(Product.id == product_id) if product_id <= MAX_ID else None


def _product(product_id):
    found = _find_product(product_id)
    if found is None:
        abort(404)
    return found


def _category_choices(form):
    form.category.choices = [SelectChoice("", "Choose a category")] + [
        SelectChoice(str(category.id), category.name) for category in Category.ordered()]


def _new_product_too_large(message):
    form = NewProductForm(formdata=None, data={"availability": Availability.AVAILABLE})
    _category_choices(form)
    form.images.errors = [message]
    return render_template("backoffice/product_new.html", form=form), 413


def _images_too_large(message, product_id):
    found = _find_product(product_id)
    if found is None:
        return None
    form = ImagesForm(formdata=None)
    form.images.errors = [message]
    return _product_page(found, images_form=form, status=413)


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
                pictures(form.images), media_root())
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            flash(f"{saved.product.name} is created.", "success")
            return redirect(url_for(".product", product_id=saved.product.id))
    return render_template("backoffice/product_new.html", form=form), \
        400 if form.errors or form.form_errors else 200


answer_too_large(bp, {f"{bp.name}.product_new": _new_product_too_large,
                      f"{bp.name}.images_add": _images_too_large})


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
        open_lines=len(stock.lines_to_update(product.id, Availability.DISCONTINUED))), status


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
            saved, update = stock.change_stock(
                found, form.stock_values(), current_staff().id,
                gateway.client_from_config(current_app.config), confirmed=form.confirm.data)
        except editing.CatalogueError as error:
            attach(form, error)
        else:
            _report(saved, update)
            return redirect(url_for(".product", product_id=found.id))
    return _product_page(found, stock_form=form, status=400)


def _report(saved, update):
    flash("Stock and availability saved." if saved.changes else "Nothing changed.", "success")
    if update.changed:
        numbers = ", ".join(dict.fromkeys(update.changed))
        flash(f"Open orders updated, and their customers told: {numbers}.", "success")
    for number, why in update.failed:
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
            editing.save_product(found, {}, current_staff().id, chosen, media_root())
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
        editing.remove_image(found, image_id, current_staff().id, media_root())
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
    page, names = history.page_with_names(PRODUCTS, found.id, int_arg("page", 1, 1, 100_000),
                                          PAGE_SIZE)
    return render_template("backoffice/product_history.html", product=found, page=page,
                           names=names, labels=Availability.LABELS)
