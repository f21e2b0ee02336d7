"""The change histories products and categories share (history.ChangeLog): a change recorded
only when there is one, each record's own, read newest first a page at a time."""
from datetime import date

from storefront.catalogue.history import CATEGORIES, PRODUCTS, changes_between
from storefront.catalogue.models import CategoryChange, ProductChange
from tests.factories import make_category, make_product


def test_each_log_keeps_its_own_records_changes_newest_first(db):
    lamp = make_product(name="Brass Lamp")
    lighting, chairs = lamp.category, make_category(name="Chairs")
    PRODUCTS.record(lamp.id, 7, {})  # nothing changed: nothing recorded
    CATEGORIES.record(lighting.id, 7, {})
    assert ProductChange.select().count() == CategoryChange.select().count() == 0
    for position in range(1, 4):
        CATEGORIES.record(lighting.id, 7, {"position": [position - 1, position]})
    CATEGORIES.record(chairs.id, None, {"name": ["Chair", "Chairs"]})
    PRODUCTS.record(lamp.id, 8, {"stock": [10, 9]})
    first = CATEGORIES.page(lighting.id, 1, 2)
    assert [changes for _, changes in first.items] == [{"position": [2, 3]},
                                                      {"position": [1, 2]}]
    assert first.has_next and {row.staff_id for row, _ in first.items} == {7}
    second = CATEGORIES.page(lighting.id, 2, 2)
    assert [changes for _, changes in second.items] == [{"position": [0, 1]}]
    assert not second.has_next and CATEGORIES.page(lighting.id, 3, 2).items == []
    assert [changes for _, changes in PRODUCTS.page(lamp.id, 1, 10).items] == \
        [{"stock": [10, 9]}]


def test_changes_between_keeps_only_what_differs_as_json_values():
    assert changes_between({}, {"name": "Lamps", "is_hidden": False}) == {
        "name": [None, "Lamps"], "is_hidden": [None, False]}
    assert changes_between({"name": "Lamps", "position": 1},
                           {"name": "Lamps", "position": 2}) == {"position": [1, 2]}
    names = {1: "Lighting", 2: "Rugs"}.get
    assert changes_between({"expected_on": None, "category_id": 1},
                           {"expected_on": date(2026, 3, 31), "category_id": 2}, names) == {
        "expected_on": [None, "2026-03-31"], "category": ["Lighting", "Rugs"]}
