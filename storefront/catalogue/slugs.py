"""The slug of a product or a category (the last part of its address): as staff type it, or
made from the name, unique among its kind and within its column's length."""
from storefront.catalogue.product_rules import first_free, slug_form
from storefront.catalogue.service import slugify


class _TakenBy:
    """The slugs other rows of a model use, asked of the database one candidate at a time
    (a made-up slug rarely needs more than one or two)."""

    def __init__(self, model, own_id):
        self.model, self.own_id = model, own_id or 0

    def __contains__(self, slug):
        return self.model.select().where(self.model.slug == slug,
                                         self.model.id != self.own_id).exists()


def slug_to_save(model, given, name, own_id, errors):
    """The slug a row of model (a product or a category) is saved with: the given one when it
    is well-formed, fits the column and is free (else its problem goes in errors under
    "slug"); when none is given, one made from the name, numbered if taken (name-2…)."""
    length = model.slug.max_length
    given = slug_form(given, errors, length)
    taken = _TakenBy(model, own_id)
    if not given:
        return first_free(slugify(name or ""), taken, length)
    if "slug" not in errors and given in taken:
        errors["slug"] = "Another one has this address already. Choose another, or leave it " \
                         "empty to make one from the name."
    return given
