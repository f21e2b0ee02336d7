"""Co-brand themes as data (P16): themes/<slug>/ holds theme.toml, templates/theme/*.html and
static/. A theme overrides blocks of the default theme's templates and nothing else.

Template names: "theme/<part>.html" is the default theme's; "@<slug>/theme/<part>.html" is a
partner's, falling back to the default's file when the theme lacks it. Each partner's template
has its own name, so Jinja's template cache never hands one partner's frame to another, and the
loader answers only names under theme/, so staff and portal templates can never be overridden.
"""
import os
import re
import tomllib
from functools import lru_cache

from flask import g, url_for
from jinja2 import BaseLoader, TemplateNotFound
from werkzeug.security import safe_join

from storefront.config import PROJECT_ROOT

THEMES = PROJECT_ROOT / "themes"
DEFAULT = "default"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
PARTS = frozenset({"head", "header", "footer", "frame"})  # what base.html lets a theme draw
STYLESHEET = re.compile(r"[\w-]+\.css")
UPLOADED_LOGOS = "partners/"  # a Partner.logo uploaded by staff: a path under instance/media/


def theme_file(slug, *parts, root=None):
    """The path of a file inside themes/<slug>/, or None when it is not a file there."""
    if not (slug == DEFAULT or SLUG.fullmatch(slug)):
        return None
    path = safe_join(str(root or THEMES), slug, *parts)
    return path if path and os.path.isfile(path) else None


class ThemeLoader(BaseLoader):
    """Loads "theme/…" from the default theme and "@slug/theme/…" from a partner's theme."""

    def __init__(self, root=THEMES):
        self.root = root

    def get_source(self, environment, template):
        """The source of a theme template; TemplateNotFound for anything outside theme/."""
        slug, name = DEFAULT, template
        if template.startswith("@"):
            slug, _, name = template[1:].partition("/")
        if not name.startswith("theme/"):
            raise TemplateNotFound(template)
        folders = (slug, DEFAULT) if slug != DEFAULT else (DEFAULT,)
        for folder in folders:
            path = theme_file(folder, "templates", *name.split("/"), root=self.root)
            if path:
                mtime = os.path.getmtime(path)
                with open(path, encoding="utf-8") as fh:
                    source = fh.read()
                return source, path, lambda p=path, m=mtime: _unchanged(p, m)
        raise TemplateNotFound(template)


def _unchanged(path, mtime):
    try:
        return os.path.getmtime(path) == mtime
    except OSError:
        return False


def theme_template(part):
    """The template name of a frame part for this request's partner (the default without one)."""
    if part not in PARTS:
        raise ValueError(f"themes draw only {sorted(PARTS)}")
    partner = g.get("partner")
    return f"@{partner.slug}/theme/{part}.html" if partner else f"theme/{part}.html"


def theme_static(filename, slug=None):
    """The URL of a file in a theme's static/ folder (this request's partner's by default).

    A partner's logo is either such a file or one uploaded in the back office; the frame
    passes partner.logo here either way, so every theme's frame shows an uploaded logo too."""
    if filename.startswith(UPLOADED_LOGOS):
        return url_for("catalogue.media", name=filename)
    partner = g.get("partner")
    return url_for("cobrand.static", slug=slug or (partner.slug if partner else DEFAULT),
                   filename=filename)


@lru_cache(maxsize=64)
def _settings(path, mtime):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def settings(slug):
    """theme.toml of a theme as a dict ({} when it has none); re-read when the file changes."""
    path = theme_file(slug, "theme.toml")
    if path is None:
        return {}
    return _settings(path, os.path.getmtime(path))


def stylesheet(slug):
    """The URL of the theme's own stylesheet (theme.toml `stylesheet`), or None."""
    name = settings(slug).get("stylesheet", "")
    if not (isinstance(name, str) and STYLESHEET.fullmatch(name) and
            theme_file(slug, "static", name)):
        return None
    return theme_static(name, slug)


def init_app(app):
    """Put the theme loader in front of the app's templates and give templates its helpers."""
    from jinja2 import ChoiceLoader
    app.jinja_loader = ChoiceLoader([ThemeLoader(), app.jinja_loader])
    app.add_template_global(theme_template)
    app.add_template_global(theme_static)
    app.add_template_global(stylesheet, "theme_stylesheet")
