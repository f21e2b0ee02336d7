"""Back office → Partners: co-brand partners and their logos, managed
by admin and marketing staff only."""
import html as markup
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from storefront.accounts.models import StaffUser
from storefront.partners.models import Partner
from tests.factories import make_staff, post_form, staff_sign_in
from tests.partners.conftest import make_partner
from tests.partners.test_cobrand import frame_of

NEW = "/staff/partners/new"
ACME = {"slug": "acme", "name": "Acme Outdoors", "privacy_url": "https://acme.example/privacy",
        "frame": "top", "hosts": "shop.acme.example\nACME.example", "logo": "",
        "show_both_logos": "y", "is_active": "y"}


def signed_in(app, role="admin"):
    client = app.test_client()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    return client


def png(size=(120, 40), color=(20, 90, 160)):
    """A real PNG made with Pillow."""
    out = BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def media_files(app, folder):
    root = Path(app.config["INSTANCE_PATH"]) / "media" / folder
    return {path.name for path in root.iterdir()} if root.exists() else set()


def error_of(html, field_id):
    """The message shown next to a field, or None."""
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    return match and markup.unescape(match.group(1))


@pytest.mark.parametrize("role", ["admin", "marketing"])
def test_staff_add_a_partner_and_change_everything_the_command_line_sets(app, db, role):
    client = signed_in(app, role)
    response = post_form(client, NEW, ACME)
    assert response.status_code == 302, response.get_data(as_text=True)
    partner = Partner.get()
    assert (partner.slug, partner.name, partner.frame, partner.hosts, partner.show_both_logos,
            partner.is_active) == ("acme", "Acme Outdoors", "top",
                                   "shop.acme.example acme.example", True, True)
    listing = client.get("/staff/partners/").get_data(as_text=True)
    assert "Acme Outdoors" in listing and "/co/acme/" in listing
    assert "shop.acme.example, acme.example" in listing

    page = f"/staff/partners/{partner.id}"
    assert 'value="Acme Outdoors"' in client.get(page).get_data(as_text=True)
    changed = {**ACME, "slug": "acme-shop", "name": "Acme & Co", "frame": "bottom",
               "hosts": "acme.example, www.acme.example", "privacy_url": "http://acme.example/p",
               "show_both_logos": None, "is_active": None}
    response = post_form(client, page, {k: v for k, v in changed.items() if v is not None})
    assert response.status_code == 302
    partner = Partner.get_by_id(partner.id)
    assert (partner.slug, partner.name, partner.frame, partner.hosts, partner.privacy_url,
            partner.show_both_logos, partner.is_active) == (
        "acme-shop", "Acme & Co", "bottom", "acme.example www.acme.example",
        "http://acme.example/p", False, False)
    assert "Acme &amp; Co" in client.get(page).get_data(as_text=True)  # escaped


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "Bad Slug", "lower-case letters"),
    ("slug", "default", "not 'default'"),
    ("slug", "../x", "lower-case letters"),
    ("slug", "-acme", "lower-case letters"),
    ("privacy_url", "javascript:alert(1)", "http(s) address"),
    ("privacy_url", "acme.example/privacy", "http(s) address"),
    ("privacy_url", "https://", "http(s) address"),
    ("hosts", "https://shop.acme.example", "names only"),
    ("hosts", "shop.acme.example:8000", "names only"),
    ("hosts", "shop.acme.example/path", "names only"),
    ("hosts", "bad_host!.example", "names only"),
    ("logo", "../../etc/passwd", "image file in themes/acme/static/"),
    ("logo", "missing.svg", "image file in themes/acme/static/"),
    ("logo", "partners/someone-elses.png", "image file in themes/acme/static/"),
    ("frame", "sideways", "Not a valid choice"),
    ("name", "", "Enter the partner's name."),
])
def test_a_partner_with_a_bad_field_is_refused_next_to_it(app, db, field, value, message):
    client = signed_in(app)
    response = post_form(client, NEW, {**ACME, field: value})
    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    assert Partner.select().count() == 0


def test_a_slug_or_host_name_of_another_partner_is_refused(app, db):
    make_partner("riverbooks", hosts=["shop.riverbooks.example"])
    client = signed_in(app)
    html = post_form(client, NEW, {**ACME, "slug": "riverbooks"}).get_data(as_text=True)
    assert "A partner 'riverbooks' exists already." in error_of(html, "slug")
    response = post_form(client, NEW, {**ACME, "hosts": "SHOP.riverbooks.example"})
    assert response.status_code == 400
    assert "already used: shop.riverbooks.example" in error_of(
        response.get_data(as_text=True), "hosts")
    assert Partner.select().count() == 1
    # Its own slug and host names are no conflict when it is saved again.
    river = Partner.get()
    response = post_form(client, f"/staff/partners/{river.id}", {
        **ACME, "slug": "riverbooks", "name": "Riverbooks", "hosts": "shop.riverbooks.example"})
    assert response.status_code == 302


def test_a_change_shows_at_once_despite_the_partner_cache(app, db):
    app.config["CACHE_SECONDS"] = 300  # as in production: partners are kept a while
    try:
        partner = make_partner("acme", name="Acme", hosts=["shop.acme.example"])
        shopper = app.test_client()
        assert frame_of(shopper.get("/co/acme/").get_data(as_text=True)) == ("acme", "top")
        client = signed_in(app)
        post_form(client, f"/staff/partners/{partner.id}",
                  {**ACME, "name": "Acme Renamed", "frame": "bottom", "hosts": ""})
        html = shopper.get("/").get_data(as_text=True)
        assert frame_of(html) == ("acme", "bottom") and "Acme Renamed" in html
        host = app.test_client().get("/", headers={"Host": "shop.acme.example"})
        assert frame_of(host.get_data(as_text=True)) is None  # the host name is gone
        post_form(client, f"/staff/partners/{partner.id}",
                  {**ACME, "name": "Acme Renamed", "is_active": None})
        assert app.test_client().get("/co/acme/").status_code == 404
        assert frame_of(shopper.get("/").get_data(as_text=True)) is None
    finally:
        app.config["CACHE_SECONDS"] = 0


def test_an_uploaded_logo_shows_in_the_co_brand_frame(app, db):
    partner = make_partner("acme", name="Acme")
    client = signed_in(app)
    page = f"/staff/partners/{partner.id}"
    response = post_form(client, f"{page}/logo", {"logo-image": (BytesIO(png()), "acme.png")},
                         token_page=page)
    assert response.status_code == 302, response.get_data(as_text=True)
    logo = Partner.get_by_id(partner.id).logo
    assert re.fullmatch(r"partners/[0-9a-f]{32}\.png", logo)
    assert media_files(app, "partners") >= {logo.split("/")[1]}
    html = app.test_client().get("/co/acme/").get_data(as_text=True)
    assert frame_of(html) == ("acme", "top")
    assert f'class="cobrand-logo" src="/media/{logo}"' in html
    with app.test_client().get(f"/media/{logo}") as served:
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert Image.open(BytesIO(served.get_data())).size == (120, 40)
    # A new upload replaces it, and the old file goes.
    post_form(client, f"{page}/logo", {"logo-image": (BytesIO(png(color=(1, 2, 3))), "b.png")},
              token_page=page)
    newer = Partner.get_by_id(partner.id).logo
    assert newer != logo and logo.split("/")[1] not in media_files(app, "partners")
    # Saving the partner's form keeps the uploaded logo it shows.
    assert f'value="{newer}"' in client.get(page).get_data(as_text=True)
    post_form(client, page, {**ACME, "logo": newer})
    assert Partner.get_by_id(partner.id).logo == newer


def test_a_theme_logo_still_works_beside_uploads(app, db):
    client = signed_in(app)
    post_form(client, NEW, {**ACME, "slug": "riverbooks", "name": "Riverbooks",
                            "logo": "logo.svg"})
    html = app.test_client().get("/co/riverbooks/").get_data(as_text=True)
    assert 'src="/cobrand/riverbooks/static/logo.svg"' in html


def test_a_text_file_renamed_png_is_refused_and_nothing_is_stored(app, db):
    partner = make_partner("acme", name="Acme", logo="")
    client = signed_in(app)
    before = media_files(app, "partners")
    page = f"/staff/partners/{partner.id}"
    response = post_form(client, f"{page}/logo",
                         {"logo-image": (BytesIO(b"just some text, not a picture\n"), "logo.png")},
                         token_page=page)
    assert response.status_code == 400
    assert "not a picture we can read" in error_of(response.get_data(as_text=True),
                                                   "logo-image")
    assert media_files(app, "partners") == before
    assert Partner.get_by_id(partner.id).logo == ""
    response = post_form(client, f"{page}/logo", {}, token_page=page)
    assert "Choose a picture to upload." in error_of(response.get_data(as_text=True),
                                                     "logo-image")


@pytest.mark.parametrize("role", ["care", "fulfilment", "partner", "legal"])
def test_other_roles_are_refused_every_partner_route(app, db, role):
    partner = make_partner("riverbooks", name="Riverbooks")
    member = make_staff("partner", email="rita@riverbooks.example")
    StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()
    client = signed_in(app, role)
    app.config["WTF_CSRF_ENABLED"] = False  # refused for the role, not for a missing token
    try:
        base = f"/staff/partners/{partner.id}"
        for method, path in [("GET", "/staff/partners/"), ("GET", NEW), ("POST", NEW),
                             ("GET", base), ("POST", base), ("POST", f"{base}/logo"),
                             ("POST", f"{base}/staff"),
                             ("POST", f"{base}/staff/{member.id}/deactivate"),
                             ("POST", f"{base}/staff/{member.id}/reactivate")]:
            data = ACME if method == "POST" else None
            assert client.open(path, method=method, data=data).status_code == 403, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert Partner.select().count() == 1 and StaffUser.get_by_id(member.id).is_active
    assert Partner.get().name == "Riverbooks"


def test_guessed_and_garbage_ids_are_not_found(app, db):
    client = signed_in(app)
    for path in ["/staff/partners/999", "/staff/partners/99999999999999",
                 "/staff/partners/abc", "/staff/partners/1/staff/x/deactivate"]:
        assert client.get(path).status_code in (404, 405), path
    assert client.get("/staff/partners/999").status_code == 404
