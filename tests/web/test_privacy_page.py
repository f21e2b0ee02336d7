"""The privacy page exists at its stable URL and is linked from every page."""


def test_privacy_page_is_linked_and_says_what_we_keep(client):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    html = client.get("/privacy").get_data(as_text=True)
    for words in ("Argon2id", "visitor number", "IP address", "30 days", "order by phone"):
        assert words in html
