"""The rules for the categories staff create and change. Every change, the creation
included, goes in the category's history (history.CATEGORIES) with who made it."""
from peewee import IntegrityError

from storefront.catalogue.editing import CatalogueError
from storefront.catalogue.history import CATEGORIES, changes_between
from storefront.catalogue.models import Category
from storefront.catalogue.product_rules import int_between
from storefront.catalogue.slugs import slug_to_save
from storefront.db import database
from storefront.web import memo

MAX_POSITION = 10_000
DESCRIPTION_LENGTH = 5_000


def save_category(category, values, staff_id):
    """Create a category (category None) or change it: name, slug ('' makes one from the
    name), description, position, hidden. CatalogueError with every problem by field. The
    fields that change go in its history under staff_id (a creation: all of them).

    Hiding a category takes it out of the menu and its page answers 404 at once (the
    process's caches are forgotten); its products keep their own visibility."""
    errors = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter the category's name."
    elif len(name) > Category.name.max_length:
        errors["name"] = f"A name may have at most {Category.name.max_length} characters."
    slug = slug_to_save(Category, values.get("slug"), name, category.id if category else None,
                        errors)
    description = (values.get("description") or "").strip()
    if len(description) > DESCRIPTION_LENGTH:
        errors["description"] = f"A description may have at most {DESCRIPTION_LENGTH:,} " \
                                "characters."
    position = values.get("position", 0)
    if not int_between(position, 0, MAX_POSITION):
        errors["position"] = f"Enter a whole number from 0 to {MAX_POSITION:,} (lower comes " \
                             "first)."
    if errors:
        raise CatalogueError(errors)
    fields = {"name": name, "slug": slug, "description": description, "position": position,
              "is_hidden": bool(values.get("is_hidden"))}
    before = {field: getattr(category, field) for field in fields} if category else {}
    try:
        with database.atomic():
            if category is None:
                saved = Category.create(**fields)
            else:
                Category.update(**fields).where(Category.id == category.id).execute()
                saved = Category.get_by_id(category.id)
            CATEGORIES.record(saved.id, staff_id, changes_between(before, fields))
    except IntegrityError:
        raise CatalogueError({"slug": "Another category took this address a moment ago."}) \
            from None
    memo.clear_all()  # the menu and the category's page show the change at once
    return saved
