"""Back office history pages name the staff member of each change (backoffice.history), for
products and categories alike; a change made by no one (an import, the seed) names nobody."""
from storefront.backoffice import history
from storefront.catalogue.history import CATEGORIES, PRODUCTS
from tests.factories import make_category, make_product, make_staff


def test_a_page_of_changes_comes_with_the_names_of_who_made_them(app, db):
    named = make_staff("admin", name="Ines Admin")
    unnamed = make_staff("fulfilment", name="")
    lamp, garden = make_product(), make_category(name="Garden")
    PRODUCTS.record(lamp.id, named.id, {"stock": [1, 2]})
    PRODUCTS.record(lamp.id, unnamed.id, {"stock": [2, 3]})
    PRODUCTS.record(lamp.id, None, {"stock": [3, 4]})
    CATEGORIES.record(garden.id, named.id, {"position": [0, 1]})

    page, names = history.page_with_names(PRODUCTS, lamp.id, 1, 2)
    assert [changes for _, changes in page.items] == [{"stock": [3, 4]}, {"stock": [2, 3]}]
    assert names == {unnamed.id: "fulfilment@staff.example.com"} and page.has_next
    page, names = history.page_with_names(PRODUCTS, lamp.id, 2, 2)
    assert names == {named.id: "Ines Admin"} and not page.has_next
    page, names = history.page_with_names(CATEGORIES, garden.id, 1, 50)
    assert [row.staff_id for row, _ in page.items] == [named.id] and names == {
        named.id: "Ines Admin"}
    assert history.page_with_names(CATEGORIES, garden.id, 2, 50)[1] == {}
