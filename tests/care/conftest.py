"""Care console fixtures and the forms' one-time key."""
import re

import pytest

from tests.factories import make_staff, post_form, staff_sign_in


@pytest.fixture
def care(client, db):
    """The client, signed in as the care associate Cara Care (client.staff)."""
    client.staff = make_staff("care", name="Cara Care")
    staff_sign_in(client, client.staff.email)
    return client


def one_time_key(client, page):
    """The one-time key of the (first) form on the page, as the browser would post it."""
    html = client.get(page).get_data(as_text=True)
    found = re.search(r'name="form_key"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="form_key"', html)
    assert found, f"no one-time key on {page}"
    return found.group(1)


def post_once(client, page, action, data):
    """Post a form of `page` to `action` as the browser does: its CSRF token and its key."""
    return post_form(client, action, {"form_key": one_time_key(client, page), **data},
                     token_page=page)
