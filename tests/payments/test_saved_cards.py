"""My Account → Saved cards: masked, removable, and nobody else's."""
import re

import pytest

from storefront.payments.models import SavedCard

from tests.factories import (CARD_EXPIRY, add_to_cart, checkout, csrf_token, make_customer,
                             make_product, sign_in)

pytestmark = pytest.mark.usefixtures("processor")


def test_a_card_is_saved_only_when_ticked_shown_masked_and_removable(app, client, db):
    make_customer()
    sign_in(client)
    lamp = make_product(name="Brass Lamp")
    add_to_cart(client, lamp)
    checkout(client, details={"email": None})  # not ticked
    assert SavedCard.select().count() == 0
    add_to_cart(client, lamp)
    checkout(client, details={"email": None}, save="y")
    card = SavedCard.get()
    page = client.get("/account/cards/").get_data(as_text=True)
    assert f"Visa 4••• •••• •••• 1111, expires {CARD_EXPIRY}" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert not re.search(r"\d{5,}", main)  # no longer run of digits than the last four

    stranger = app.test_client()
    make_customer(email="eve@example.com")
    sign_in(stranger, "eve@example.com")
    token = csrf_token(stranger, "/account/cards/")
    assert stranger.post(f"/account/cards/{card.id}/remove",
                         data={"csrf_token": token}).status_code == 404
    assert SavedCard.select().count() == 1

    token = csrf_token(client, "/account/cards/")
    assert client.post(f"/account/cards/{card.id}/remove",
                       data={"csrf_token": token}).status_code == 302
    assert SavedCard.select().count() == 0
