"""Back office → Catalogue → Categories: every change staff make to a category, its creation
included, is in its history (who, when, each field's old and new value), which the category's
page shows under the form, a page at a time."""
import json
import re
from unittest import mock

import pytest

from storefront.accounts.models import StaffUser
from storefront.catalogue import categories as rules
from storefront.catalogue.editing import CatalogueError
from storefront.catalogue.history import CATEGORIES
from storefront.catalogue.models import Category, CategoryChange
from tests.backoffice.test_catalogue_admin import BASE, signed_in
from tests.factories import make_category, make_staff, post_form

FIELDS = {"name": "Garden Tools", "slug": "", "description": "Spades.", "position": "3"}


def history(category):
    """The category's changes, oldest first: (staff id, {field: [old, new]})."""
    return [(row.staff_id, json.loads(row.changes)) for row in
            CategoryChange.select().where(CategoryChange.category == category)
            .order_by(CategoryChange.id)]


def admin_id():
    return StaffUser.get(StaffUser.email == "admin@staff.example.com").id


def history_rows(html):
    """The history table's rows as text: [[cell, ...], ...], the page's other tables aside."""
    table = html.split('id="history"', 1)[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]  # the head row aside


def test_creating_and_editing_record_exactly_the_changed_fields_with_who(app, db):
    client = signed_in(app)
    assert post_form(client, f"{BASE}/categories/new", FIELDS).status_code == 302
    garden = Category.get()
    staff_id = admin_id()
    assert history(garden) == [(staff_id, {
        "name": [None, "Garden Tools"], "slug": [None, "garden-tools"],
        "description": [None, "Spades."], "position": [None, 3], "is_hidden": [None, False]})]
    page = f"{BASE}/categories/{garden.id}"
    response = post_form(client, page, {**FIELDS, "name": "Garden", "slug": "garden-tools",
                                        "position": "1"})
    assert response.status_code == 302
    assert history(garden)[1:] == [(staff_id, {"name": ["Garden Tools", "Garden"],
                                               "position": [3, 1]})]
    # Saved as it is (the slug left empty makes the same one from the name): nothing recorded.
    assert post_form(client, page, {**FIELDS, "name": "Garden", "slug": "garden-tools",
                                    "position": "1"}).status_code == 302
    assert len(history(garden)) == 2


def test_a_refused_change_records_nothing(app, db):
    client = signed_in(app)
    garden = make_category(name="Garden")
    response = post_form(client, f"{BASE}/categories/{garden.id}", {**FIELDS, "name": "",
                                                                    "position": "first"})
    assert response.status_code == 400 and history(garden) == []
    with pytest.raises(CatalogueError):
        rules.save_category(None, {"name": "", "position": 1}, admin_id())
    assert CategoryChange.select().count() == 0


def test_hiding_and_showing_are_recorded(app, db):
    client = signed_in(app)
    lighting = make_category(name="Lighting", description="")
    page = f"{BASE}/categories/{lighting.id}"
    fields = {"name": "Lighting", "slug": "lighting", "description": "", "position": "0"}
    post_form(client, page, {**fields, "is_hidden": "y"})
    post_form(client, page, fields)
    staff_id = admin_id()
    assert history(lighting) == [(staff_id, {"is_hidden": [False, True]}),
                                 (staff_id, {"is_hidden": [True, False]})]
    rows = history_rows(client.get(page).get_data(as_text=True))
    assert [row[-3:] for row in rows] == [["is hidden", "yes", "no"],
                                          ["is hidden", "no", "yes"]]


def test_the_page_shows_who_changed_what_escaped(app, db):
    client = signed_in(app)
    response = post_form(client, f"{BASE}/categories/new", {
        **FIELDS, "name": "<script>alert(1)</script>", "slug": "tools"})
    assert response.status_code == 302
    tools = Category.get()
    rules.save_category(tools, {"name": "Tools & <b>more</b>", "slug": "tools",
                                "description": "Spades.", "position": 3},
                        make_staff("fulfilment", name="Grace <Hopper>").id)
    CATEGORIES.record(tools.id, 999_999, {"position": [3, 4]})  # a member since removed
    CATEGORIES.record(tools.id, None, {"position": [4, 5]})  # not a person: the system
    html = client.get(f"{BASE}/categories/{tools.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>more" not in html
    rows = history_rows(html)
    assert rows[0][1:] == ["the system", "position", "4", "5"]
    assert rows[1][1:] == ["someone no longer on the staff", "position", "3", "4"]
    assert rows[2][1:] == ["Grace &lt;Hopper&gt;", "name", "&lt;script&gt;alert(1)&lt;/script&gt;",
                           "Tools &amp; &lt;b&gt;more&lt;/b&gt;"]
    created = {row[-3]: row[-2:] for row in rows[3:]}
    assert rows[3][1] == "Staff admin" and created == {
        "description": ["—", "Spades."], "is hidden": ["—", "no"],
        "name": ["—", "&lt;script&gt;alert(1)&lt;/script&gt;"], "position": ["—", "3"],
        "slug": ["—", "tools"]}


def test_the_history_comes_a_page_at_a_time_newest_first(app, db):
    client = signed_in(app)
    lamps = make_category(name="Lamps")
    staff_id = admin_id()
    for position in range(1, 52):
        lamps = rules.save_category(lamps, {"name": "Lamps", "slug": "lamps",
                                            "position": position}, staff_id)
    page = f"{BASE}/categories/{lamps.id}"
    first = client.get(page).get_data(as_text=True)
    rows = history_rows(first)
    positions = [row[-2:] for row in rows if "position" in row]
    assert len(positions) == 50 and positions[0] == ["50", "51"] and positions[-1] == ["1", "2"]
    assert f'href="{page}?page=2#history" rel="next"' in first and 'rel="prev"' not in first
    second = client.get(f"{page}?page=2").get_data(as_text=True)
    assert [row[-3:] for row in history_rows(second)] == [
        ["description", "All lamps.", ""], ["position", "0", "1"]]
    assert f'href="{page}?page=1#history" rel="prev"' in second and 'rel="next"' not in second
    assert "No changes recorded." in client.get(f"{page}?page=3").get_data(as_text=True)
    for bad in ("0", "x", "99999999999"):
        assert client.get(f"{page}?page={bad}").status_code == 400


def test_the_page_reads_as_many_queries_however_long_the_history(app, db):
    client = signed_in(app)
    chairs = make_category(name="Chairs")
    page = f"{BASE}/categories/{chairs.id}"

    def queries():
        with mock.patch.object(db.obj, "execute_sql", wraps=db.obj.execute_sql) as spy:
            assert client.get(page).status_code == 200
        return spy.call_count

    CATEGORIES.record(chairs.id, admin_id(), {"position": [0, 1]})
    one = queries()
    for number in range(2, 40):
        member = make_staff("care", email=f"care{number}@staff.example.com")
        CATEGORIES.record(chairs.id, member.id, {"position": [number - 1, number]})
    assert queries() == one
