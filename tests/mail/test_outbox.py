"""The outbox renders mail with links to SHOP_URL, inside a request or without one."""
from storefront.mail import outbox
from storefront.mail.models import OutboxMessage

from tests.factories import add_to_cart, checkout, make_product, post_form


def test_mail_links_point_at_shop_url_without_a_request(app, db):
    original = app.config["SHOP_URL"]
    app.config["SHOP_URL"] = "https://shop.example.com/store"
    try:
        with app.app_context():
            assert outbox.shop_link("giftcards.balance") == \
                "https://shop.example.com/store/gift-cards/balance"
    finally:
        app.config["SHOP_URL"] = original


def test_a_forged_host_does_not_reach_the_recipients_links(client, db, processor):
    client.environ_base["HTTP_HOST"] = "evil.example.net"  # every request names this host
    add_to_cart(client, make_product(name="Brass Lamp"))
    post_form(client, "/gift-cards/", {
        "amount": "5000", "other_amount": "", "recipient_name": "Grace Hopper",
        "recipient_email": "grace@example.com", "sender_name": "Ada", "message": ""})
    assert checkout(client).status_code == 302
    mail = OutboxMessage.get()
    assert "evil.example.net" not in mail.body_text + mail.body_html
    assert "http://127.0.0.1:8000/gift-cards/balance" in mail.body_text
