"""Enqueue mail: render the templates and write the outbox row in the caller's transaction."""
import secrets
from urllib.parse import urlsplit

from flask import current_app, render_template

from storefront.mail.models import OutboxMessage


def _message_id():
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def enqueue(recipient, category, subject, template, *, customer=None, order_number="",
            purpose="", unsubscribe_url="", campaign_id=None, **context):
    """Write one message rendered from mail/<template>.txt and .html; return the row.

    Call it inside the transaction of the change that causes the mail: both commit or neither.
    `customer` (a Customer or None) and `order_number` let staff find the mail sent to a
    customer or about an order. The Message-ID and the Date are fixed here, so every retry
    sends the very same message.

    Templates may extend mail/_layout.html and mail/_layout.txt (block `content`). They make
    links with shop_link(endpoint): links point at SHOP_URL, never at whatever host the request
    that caused the mail named, so a sender cannot aim a recipient's links elsewhere.

    Marketing names its consent `purpose` and an `unsubscribe_url`: the worker checks the
    consent again just before sending, and the message carries the RFC 8058 headers. Use
    storefront.privacy.mailing.enqueue_marketing rather than passing them by hand.
    """
    context = {"shop_name": current_app.config["SHOP_NAME"],
               "shop_url": current_app.config["SHOP_URL"], "shop_link": shop_link,
               "unsubscribe_url": unsubscribe_url, **context}
    return OutboxMessage.create(
        message_id=_message_id(), category=category, recipient=recipient, subject=subject,
        customer_id=customer.id if customer is not None else None,
        order_number=order_number, purpose=purpose, unsubscribe_url=unsubscribe_url,
        campaign_id=campaign_id,
        body_text=render_template(f"mail/{template}.txt", **context),
        body_html=render_template(f"mail/{template}.html", **context))


def shop_link(endpoint, **values):
    """An absolute link to a page of the shop at SHOP_URL, for mail (works with or without a
    request: the mail worker has none)."""
    base = urlsplit(current_app.config["SHOP_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
