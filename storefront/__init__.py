"""Storefront: a server-rendered shop whose privacy promises are working features."""
from pathlib import Path

from flask import Flask

from storefront import config as settings
from storefront import db
from storefront.extensions import csrf, login_manager


def create_app(config=None):
    """Build the app: settings, database, extensions, request pipeline, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(settings.instance_path()))
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    Path(app.config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see this page."
    from storefront.ops import access_log, health
    access_log.init_app(app)  # first: its request id and clock cover every later hook
    health.init_app(app)  # /healthz and /metrics, answered before hooks that need the database

    # Theme templates ("theme/…", or a partner's "@slug/theme/…" falling back to the default
    # theme's) come from themes/; the loader answers nothing else, so a theme can never
    # override the app's own, staff or portal templates.
    from storefront.partners import themes
    themes.init_app(app)

    from storefront.web import pipeline
    pipeline.init_app(app)
    from storefront.partners import pipeline as partners_pipeline
    from storefront.tracking import pipeline as tracking_pipeline
    partners_pipeline.init_app(app)  # g.partner first: tracking tags what it records with it
    tracking_pipeline.init_app(app)

    from storefront.accounts import current  # registers the user loader
    app.after_request(current.no_store_when_signed_in)
    from storefront.accounts.staff_views import bp as staff_bp
    from storefront.accounts.views import bp as accounts_bp
    from storefront.cart.views import bp as cart_bp
    from storefront.catalogue.views import bp as catalogue_bp
    from storefront.checkout.views import bp as checkout_bp
    from storefront.fulfilment.views import bp as fulfilment_bp
    from storefront.giftcards.views import bp as giftcards_bp
    from storefront.mail.views import bp as staff_mail_bp
    from storefront.orders.views import bp as orders_bp
    from storefront.payments.views import bp as cards_bp
    from storefront.portal.views import bp as portal_bp
    from storefront.reports.views import bp as reports_bp
    from storefront.privacy.views import bp as privacy_bp
    from storefront.privacy.optout import bp as optout_bp
    from storefront.support.views import bp as support_bp
    from storefront.backoffice.banner_views import bp as backoffice_banners_bp
    from storefront.backoffice.catalogue_views import bp as backoffice_catalogue_bp
    from storefront.backoffice.import_views import bp as backoffice_import_bp
    from storefront.backoffice.partner_views import bp as backoffice_partners_bp
    from storefront.care.customers import bp as care_customers_bp
    from storefront.care.inbox import bp as care_inbox_bp
    from storefront.care.orders import bp as care_orders_bp
    from storefront.care.phone_orders import bp as care_phone_bp
    from storefront.care.requests import bp as care_requests_bp
    from storefront.rights.staff_views import bp as rights_staff_bp
    from storefront.rights.views import bp as rights_bp
    from storefront.marketing.views import public as marketing_bp
    from storefront.marketing.views import staff as marketing_staff_bp
    for blueprint in (catalogue_bp, cart_bp, accounts_bp, staff_bp, privacy_bp, optout_bp,
                      support_bp, checkout_bp, orders_bp, giftcards_bp, cards_bp,
                      fulfilment_bp, portal_bp, reports_bp, care_inbox_bp, care_requests_bp,
                      rights_bp, rights_staff_bp, marketing_bp, marketing_staff_bp,
                      care_customers_bp, care_phone_bp, backoffice_catalogue_bp,
                      backoffice_partners_bp, backoffice_banners_bp, care_orders_bp,
                      backoffice_import_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(staff_mail_bp)
    from storefront.ops.security import bp as security_bp
    app.register_blueprint(security_bp)
    # Marketing mail is checked against the consent ledger again just before it is sent.
    from storefront.privacy.mailing import still_wanted
    app.extensions["mail.still_wanted"] = still_wanted
    from storefront.marketing import recommendations  # counts pairs as orders are placed
    recommendations.init_app(app)
    # The catalogue's home page shows live promotions without importing marketing.
    from storefront.marketing.promotion_views import home_promotions
    app.add_template_global(home_promotions, "home_promotions")
    from storefront.accounts.contact import display_phone
    from storefront.payments.display import describe_card, describe_order_card
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(describe_card, "card")
    app.add_template_filter(describe_order_card, "order_card")
    from storefront.privacy.policy import render_markdown
    app.add_template_filter(render_markdown, "markdown")  # product descriptions, safely

    # Last, so that it wraps all of the above: the proxy trust, then plain HTTP sent to HTTPS.
    from storefront.web import https
    https.init_app(app, partners_pipeline.partner_for_host)

    from storefront.cli import register_commands
    register_commands(app)
    return app
