"""What the request pipeline keeps between requests instead of rebuilding it: the session's
serializer and the footer. Neither may change what a browser gets, nor outlive a setting."""
import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


def test_session_cookies_are_signed_exactly_as_flask_signs_them(app):
    ours, flasks = app.session_interface, SecureCookieSessionInterface()
    data = {"csrf_token": "0123abcd", "cart_count": 2}
    assert flasks.get_signing_serializer(app).loads(
        ours.get_signing_serializer(app).dumps(data)) == data
    assert ours.get_signing_serializer(app).loads(
        flasks.get_signing_serializer(app).dumps(data)) == data


def test_a_new_secret_key_signs_and_checks_sessions_at_once(app, monkeypatch):
    old_key = app.config["SECRET_KEY"]
    cookie = app.session_interface.get_signing_serializer(app).dumps({"cart_count": 1})
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-key-for-this-test")
    with pytest.raises(BadSignature):
        app.session_interface.get_signing_serializer(app).loads(cookie)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old_key])
    assert app.session_interface.get_signing_serializer(app).loads(cookie) == {"cart_count": 1}


def test_the_footer_shows_a_changed_shop_name_and_phone_at_once(app, client, db, monkeypatch):
    assert 'href="tel:+15550100"' in client.get("/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "SHOP_PHONE", "+1 555 0199")
    monkeypatch.setitem(app.config, "SHOP_NAME", "Corner & Co")
    footer = client.get("/").get_data(as_text=True).split('class="site-footer"', 1)[1]
    assert 'href="tel:+15550199"' in footer and "+1 555 0199" in footer
    assert "Corner &amp; Co ·" in footer and 'href="/privacy"' in footer
