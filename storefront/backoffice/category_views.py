"""Back office → Catalogue → Categories (admin): the menu's categories, created and changed.

Their routes belong to the catalogue's blueprint (catalogue_views calls add_routes), so their
addresses and endpoint names are the catalogue's: /staff/catalogue/categories… A category's
page shows its history of changes under the form, a page at a time (?page=).
"""
from flask import abort, flash, redirect, render_template, request, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.backoffice import history
from storefront.backoffice.catalogue_forms import CategoryForm, attach
from storefront.catalogue import categories as rules
from storefront.catalogue.editing import CatalogueError
from storefront.catalogue.history import CATEGORIES
from storefront.catalogue.models import Category
from storefront.web.params import int_arg

ADMIN = ("admin",)
HISTORY_PAGE_SIZE = 50  # changes a page, as the product history shows them


def add_routes(bp):
    """Add the category pages to the catalogue's blueprint."""
    bp.add_url_rule("/categories", view_func=categories, methods=["GET"])
    bp.add_url_rule("/categories/new", view_func=category_new, methods=["GET", "POST"])
    bp.add_url_rule("/categories/<int(max=2147483647):category_id>", view_func=category_edit,
                    methods=["GET", "POST"])


@staff_route(*ADMIN)
def categories():
    """Categories in menu order, with how many products each shows."""
    return render_template("backoffice/category_list.html",
                           categories=list(Category.ordered()))


@staff_route(*ADMIN)
def category_new():
    """A new category."""
    return _edit_category(None)


@staff_route(*ADMIN)
def category_edit(category_id):
    """Change a category."""
    found = Category.get_or_none(Category.id == category_id)
    if found is None:
        abort(404)
    return _edit_category(found)


def _edit_category(category):
    form = CategoryForm() if request.method == "POST" else CategoryForm(
        formdata=None, obj=category) if category else CategoryForm(formdata=None)
    if category is not None and request.method == "GET":
        form.position.data = str(category.position)
    if form.validate_on_submit():
        try:
            saved = rules.save_category(category, form.values(), current_staff().id)
        except CatalogueError as error:
            attach(form, error)
        else:
            flash(f"The category {saved.name} is saved.", "success")
            return redirect(url_for(".categories"))
    page, names = history.page_with_names(
        CATEGORIES, category.id, int_arg("page", 1, 1, 100_000), HISTORY_PAGE_SIZE) \
        if category else (None, {})
    return render_template("backoffice/category_form.html", category=category, form=form,
                           page=page, names=names), \
        400 if form.errors or form.form_errors else 200
