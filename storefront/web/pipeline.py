"""The request pipeline every page goes through: proxy trust, visitor, headers, errors, filters."""
from flask import session

from storefront.web import errors, security, visitor
from storefront.web.money import format_money


def init_app(app):
    security.init_app(app)
    visitor.init_app(app)
    errors.init_app(app)
    app.add_template_filter(format_money, "money")

    @app.context_processor
    def shop():
        return {"shop_name": app.config["SHOP_NAME"], "shop_phone": app.config["SHOP_PHONE"],
                "cart_count": session.get("cart_count", 0)}
