"""Enqueue mail: render the templates and write the outbox row in the caller's transaction."""
import secrets

from flask import current_app, render_template

from storefront.mail.models import OutboxMessage


def _message_id():
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def enqueue(recipient, category, subject, template, **context):
    """Write one message rendered from mail/<template>.txt and .html; return the row.

    Call it inside the transaction of the change that causes the mail: both commit or neither.
    Links in mail (url_for with _external=True) point at SHOP_URL, never at whatever host the
    request that caused the mail named: a sender cannot aim a recipient's links elsewhere.
    """
    context = {"shop_name": current_app.config["SHOP_NAME"], **context}
    with current_app.test_request_context(base_url=current_app.config["SHOP_URL"]):
        body_text = render_template(f"mail/{template}.txt", **context)
        body_html = render_template(f"mail/{template}.html", **context)
    return OutboxMessage.create(message_id=_message_id(), category=category, recipient=recipient,
                                subject=subject, body_text=body_text, body_html=body_html)
