"""Call notes (P4): care notes what was said on a call, on a customer or on an order; a note
on an order shows on its customer's page too; notes are kept as written, with who and when."""
import re

import pytest

from storefront.support import notes
from storefront.support.models import CallNote
from tests.care.conftest import one_time_key, post_once
from tests.care.test_customers import place
from tests.factories import make_customer, make_staff, post_form


def test_a_note_on_a_customer_says_who_wrote_it_and_when(care):
    ada = make_customer()
    page = f"/care/customers/{ada.id}"
    assert "No call notes yet." in care.get(page).get_data(as_text=True)
    response = post_once(care, page, f"{page}/notes",
                         {"body": "Called about the lamp.\r\nAll fine."})
    note = CallNote.get()
    assert response.status_code == 302 and response.location.endswith(f"{page}#note-{note.id}")
    html = care.get(page).get_data(as_text=True)
    assert (note.customer_id, note.order_id, note.staff_id, note.body) == (
        ada.id, None, care.staff.id, "Called about the lamp.\nAll fine.")
    assert "The call note is kept." in html
    assert f"{note.created_at.strftime('%Y-%m-%d %H:%M')} UTC</strong>, Cara Care" in html
    assert "Called about the lamp.<br>All fine." in html


def test_a_note_on_an_order_shows_on_the_order_and_on_its_customer(care):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    response = post_once(care, "/care/orders/K7QM-3XPD", "/care/orders/k7qm-3xpd/notes",
                         {"body": "Asked to call back."})
    note = CallNote.get()
    assert response.status_code == 302
    assert response.location.endswith(f"/care/orders/K7QM-3XPD#note-{note.id}")
    assert (note.customer_id, note.order_id) == (ada.id, order.id)
    assert "Asked to call back." in care.get("/care/orders/K7QM-3XPD").get_data(as_text=True)
    customer_page = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert 'Cara Care, about order <a href="/care/orders/K7QM-3XPD">' in customer_page
    assert "Asked to call back." in customer_page


def test_a_guest_orders_note_belongs_to_the_order_only(care):
    place("GSTW-2345")
    post_once(care, "/care/orders/GSTW-2345", "/care/orders/GSTW-2345/notes",
              {"body": "Guest rang."})
    note = CallNote.get()
    assert note.customer_id is None and note.order.number == "GSTW-2345"
    ada = make_customer()
    assert "Guest rang." not in care.get(f"/care/customers/{ada.id}").get_data(as_text=True)


def test_notes_are_listed_newest_first(care):
    ada = make_customer()
    page = f"/care/customers/{ada.id}"
    for body in ("First call.", "Second call."):
        post_once(care, page, f"{page}/notes", {"body": body})
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert html.index("Second call.") < html.index("First call.")


@pytest.mark.parametrize("body, message", [
    ("", "Write what was said on the call."),
    ("   \r\n  ", "Write what was said on the call."),
    ("Long story. " * 400, "Use at most 4,000 characters."),
])
def test_a_bad_note_is_refused_next_to_the_field_and_the_text_is_kept(care, body, message):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    for page in (f"/care/customers/{ada.id}", f"/care/orders/{order.number}"):
        response = post_once(care, page, f"{page}/notes", {"body": body})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, page
        assert f'<p class="error" id="body-error">{message}</p>' in html
        assert 'aria-invalid="true"' in html
        if body.strip():
            assert f">\r\n{body}</textarea>" in html or f">{body}</textarea>" in html
        assert "Ada Shopper" in html  # the page itself, shown again
    assert CallNote.select().count() == 0


def test_a_note_without_the_csrf_token_is_not_kept(care):
    ada = make_customer()
    page = f"/care/customers/{ada.id}"
    response = care.post(f"{page}/notes", data={"body": "Forged",
                                                 "form_key": one_time_key(care, page)})
    assert response.status_code == 400 and CallNote.select().count() == 0


def test_a_second_post_of_the_same_form_keeps_one_note(care):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    for page in (f"/care/customers/{ada.id}", f"/care/orders/{order.number}"):
        data = {"body": f"One call about {page}.", "form_key": one_time_key(care, page)}
        first = post_form(care, f"{page}/notes", data, token_page=page)
        again = post_form(care, f"{page}/notes", data, token_page=page)  # a double click
        note = CallNote.get(CallNote.body == data["body"])
        assert first.status_code == again.status_code == 302
        assert first.location == again.location and again.location.endswith(f"#note-{note.id}")
        assert f'id="note-{note.id}"' in care.get(page).get_data(as_text=True)
    assert CallNote.select().count() == 2


@pytest.mark.parametrize("key", [None, "", "not-a-key", "x" * 500])
def test_a_form_without_its_key_keeps_nothing_and_comes_back_ready_to_send(care, key):
    ada = make_customer()
    page = f"/care/customers/{ada.id}"
    data = {"body": "Called about the lamp."}
    if key is not None:
        data["form_key"] = key
    response = post_form(care, f"{page}/notes", data, token_page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and CallNote.select().count() == 0
    assert "This form was out of date: send it again." in html
    assert "Called about the lamp.</textarea>" in html
    fresh = re.search(r'name="form_key"[^>]*value="([0-9a-f-]{36})"', html).group(1)
    assert post_form(care, f"{page}/notes", {**data, "form_key": fresh},
                     token_page=page).status_code == 302
    assert CallNote.get().body == "Called about the lamp."


def test_line_ends_count_once_as_the_browser_counts_them(care):
    ada = make_customer()
    page = f"/care/customers/{ada.id}"
    assert f'maxlength="{notes.MAX_NOTE}"' in care.get(page).get_data(as_text=True)
    body = "line of note\r\n" * 300  # 4,200 characters posted, 3,900 as the browser counts
    assert post_once(care, page, f"{page}/notes", {"body": body}).status_code == 302
    assert CallNote.get().body == ("line of note\n" * 300).strip()
    too_long = "line of note!\r\n" * 300  # 4,200 even counted as the browser does
    response = post_once(care, page, f"{page}/notes", {"body": too_long})
    assert response.status_code == 400 and CallNote.select().count() == 1
    assert "Use at most 4,000 characters." in response.get_data(as_text=True)


def test_notes_cannot_be_changed_or_removed_through_the_app(app):
    note_rules = [rule for rule in app.url_map.iter_rules() if "/notes" in rule.rule
                  and rule.endpoint.startswith("care_customers.")]
    assert len(note_rules) == 2
    assert all(rule.methods - {"HEAD", "OPTIONS"} == {"POST"} for rule in note_rules)


def test_the_service_refuses_a_note_about_nobody(db):
    staff = make_staff("care")
    with pytest.raises(ValueError):
        notes.add(staff, "About whom?")
    with pytest.raises(notes.NoteError, match="Write what was said"):
        notes.add(staff, "\x00 ", customer=make_customer())
