"""Themes are data: per-partner templates through a prefixed loader, escaped, never staff's."""
import pytest
from jinja2 import TemplateNotFound

from storefront.partners.models import Partner
from storefront.partners.themes import ThemeLoader
from tests.partners.conftest import make_partner


def test_theme_templates_are_autoescaped(client, db):
    make_partner("evil", name='<script>alert("x")</script> & Co')
    html = client.get("/co/evil/", follow_redirects=True).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html


def test_a_javascript_privacy_url_is_never_a_link(client, db):
    partner = make_partner("odd")
    Partner.update(privacy_url="javascript:alert(1)").where(Partner.id == partner.id).execute()
    html = client.get("/co/odd/", follow_redirects=True).get_data(as_text=True)
    assert "javascript:" not in html and 'data-cobrand="odd"' in html


def test_the_loader_answers_theme_templates_only(tmp_path, app):
    theme = tmp_path / "acme" / "templates"
    (theme / "theme").mkdir(parents=True)
    (theme / "theme" / "frame.html").write_text("acme frame")
    (theme / "staff_base.html").write_text("hijacked")
    (tmp_path / "default" / "templates" / "theme").mkdir(parents=True)
    (tmp_path / "default" / "templates" / "theme" / "header.html").write_text("default header")
    (tmp_path / "secret.html").write_text("secret")
    loader = ThemeLoader(tmp_path)
    env = app.jinja_env
    assert loader.get_source(env, "@acme/theme/frame.html")[0] == "acme frame"
    assert loader.get_source(env, "@acme/theme/header.html")[0] == "default header"
    for name in ["@acme/staff_base.html", "staff_base.html", "@acme/theme/../../secret.html",
                 "@../secret.html", "@acme/theme/../staff_base.html", "portal/customers.html",
                 "@ACME/theme/frame.html", "@acme/theme//etc/passwd"]:
        with pytest.raises(TemplateNotFound):
            loader.get_source(env, name)


def test_staff_and_portal_templates_come_from_the_app(app):
    for name in ["staff_base.html", "base.html", "portal/customers.html"]:
        assert "/themes/" not in app.jinja_env.get_template(name).filename


def test_each_partner_gets_its_own_frame_from_the_template_cache(app, riverbooks, northwind):
    first, second = app.test_client(), app.test_client()
    first.get("/co/riverbooks/")
    second.get("/co/northwind/")
    for _ in range(2):
        assert "Riverbooks readers" in first.get("/").get_data(as_text=True)
        html = second.get("/").get_data(as_text=True)
        assert "Northwind members" in html and "Riverbooks readers" not in html


def test_theme_static_files_are_served_from_the_theme_folder_only(client, db):
    with client.get("/cobrand/riverbooks/static/logo.svg") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).startswith("<svg")
        assert response.headers["Cache-Control"].startswith("public")
        assert "sf_visitor" not in response.headers.get("Set-Cookie", "")
    with client.get("/cobrand/default/static/shop-logo.svg") as response:
        assert response.status_code == 200
    for path in ["/cobrand/riverbooks/static/../theme.toml",
                 "/cobrand/riverbooks/static/%2e%2e/theme.toml",
                 "/cobrand/riverbooks/static/..%2Ftemplates/theme/frame.html",
                 "/cobrand/..%2F..%2Fstorefront/static/config.py",
                 "/cobrand/riverbooks/static/nothing.svg", "/cobrand/RIVER/static/logo.svg"]:
        assert client.get(path).status_code == 404, path
