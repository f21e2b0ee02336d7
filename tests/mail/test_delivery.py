"""The worker delivers the outbox over real SMTP: multipart, stable, retried, failed for staff."""
from datetime import timedelta
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import time_machine
from flask import render_template, render_template_string

from storefront.db import utcnow
from storefront.mail import delivery, outbox
from storefront.mail.models import OutboxMessage

from tests.factories import make_customer, make_staff, staff_sign_in
from tests.mail.conftest import make_message, make_messages, reload


def run_worker(runner, *args):
    result = runner.invoke(args=["worker", "--once", *args])
    assert result.exit_code == 0, result.output
    return result.output


def settings(app):
    return delivery.Settings.for_app(app)


def test_enqueue_then_worker_delivers_multipart_text_and_html(app, runner, db, smtp_sink):
    customer = make_customer()
    card = SimpleNamespace(sender_name="Ada", recipient_name="Grace Hopper",
                           initial_cents=5000, message="Happy birthday!")
    with app.app_context():
        row = outbox.enqueue("grace@example.com", "gift_card", "Ada sent you a gift card",
                             "gift_card", customer=customer, order_number="K7QM-3XPD",
                             card=card, code="ABCD-EFGH-JKLM-NPQR")
    assert (row.customer_id, row.order_number) == (customer.id, "K7QM-3XPD")

    assert "sent 1" in run_worker(runner)

    [message] = smtp_sink.messages()
    row = reload(row)
    assert message["Message-ID"] == row.message_id
    assert message["To"] == "grace@example.com"
    assert message["Subject"] == "Ada sent you a gift card"
    assert message["From"] == "Storefront <shop@example.com>"
    assert parsedate_to_datetime(message["Date"]).replace(tzinfo=None) == \
        row.created_at.replace(microsecond=0)
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part for part in message.iter_parts())
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "ABCD-EFGH-JKLM-NPQR" in text.get_content() and "Grace Hopper" in text.get_content()
    assert "<strong>$50.00</strong>" in html.get_content()
    assert (row.status, row.attempts, row.last_error) == (OutboxMessage.SENT, 1, "")
    assert row.sent_at is not None and row.claimed_until is None
    # Delivered, the gift card's code is forgotten: the shop keeps no usable code.
    assert "ABCD" not in row.body_text + row.body_html and "does not keep" in row.body_text
    assert "sent 0" in run_worker(runner)  # nothing is sent twice
    assert smtp_sink.count() == 1


def test_a_message_is_the_same_bytes_every_time_it_is_built(app, db):
    row = make_message(body_text="Caf\u00e9 \u2014 a long line " * 20)
    first = delivery.build_message(row, settings(app)).as_bytes()
    assert delivery.build_message(reload(row), settings(app)).as_bytes() == first
    assert f"Message-ID: {row.message_id}".encode() in first


def test_smtp_down_nothing_is_lost_and_each_message_arrives_once(app, runner, db, smtp_sink):
    rows = make_messages(3)
    smtp_sink.stop()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert "retry 3" in run_worker(runner)
    for row in map(reload, rows):
        assert (row.status, row.attempts) == (OutboxMessage.PENDING, 1)
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at == start + timedelta(seconds=30)
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        run_worker(runner)
    for row in map(reload, rows):  # the backoff doubles
        assert row.attempts == 2
        assert row.next_attempt_at == start + timedelta(seconds=31 + 60)

    smtp_sink.start()
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert "sent 0" in run_worker(runner)  # not due yet: the backoff holds
    assert smtp_sink.count() == 0
    with time_machine.travel(start + timedelta(seconds=92), tick=False):
        assert "sent 3" in run_worker(runner)
        run_worker(runner)
    received = sorted(message["Message-ID"] for message in smtp_sink.messages())
    assert received == sorted(row.message_id for row in rows)
    assert all(reload(row).status == OutboxMessage.SENT for row in rows)


def test_backoff_is_exponential_and_capped(app):
    config = settings(app)
    assert [delivery.backoff(n, config).total_seconds() for n in (1, 2, 3, 8, 20)] == \
        [30, 60, 120, 3600, 3600]


def test_after_the_last_attempt_a_message_fails_and_staff_see_it(app, runner, db, smtp_sink):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    try:
        row = make_message(recipient="grace@example.com")
        smtp_sink.stop()
        moment = utcnow()
        for _ in range(3):
            with time_machine.travel(moment, tick=False):
                run_worker(runner)
            moment += timedelta(hours=2)
        row = reload(row)
        assert (row.status, row.attempts) == (OutboxMessage.FAILED, 3)
        assert "ConnectionRefusedError" in row.last_error
        smtp_sink.start()
        with time_machine.travel(moment, tick=False):
            assert "sent 0" in run_worker(runner)  # a failed message waits for staff
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 8
    assert smtp_sink.count() == 0
    make_staff("care")
    client = app.test_client()
    staff_sign_in(client, "care@staff.example.com")
    html = client.get("/staff/mail/?q=grace@example.com").get_data(as_text=True)
    assert "failed" in html and "<td>3</td>" in html and "ConnectionRefusedError" in html

    assert delivery.requeue(row.id).status == OutboxMessage.PENDING
    assert "sent 1" in run_worker(runner)
    assert [m["Message-ID"] for m in smtp_sink.messages()] == [row.message_id]


def test_a_permanent_refusal_fails_at_once_and_others_still_go(app, runner, db, smtp_sink):
    smtp_sink.mailbox.refused = {"nobody@example.com"}
    bad = make_message(recipient="nobody@example.com")
    good = make_message(recipient="grace@example.com")
    run_worker(runner)
    bad = reload(bad)
    assert (bad.status, bad.attempts) == (OutboxMessage.FAILED, 1)
    assert bad.last_error == "550 5.1.1 No such mailbox"
    assert reload(good).status == OutboxMessage.SENT
    assert [m["To"] for m in smtp_sink.messages()] == ["grace@example.com"]


def test_the_last_error_never_holds_the_body(app, runner, db, smtp_sink):
    smtp_sink.stop()
    row = make_message(body_text="secret gift code WXYZ-1234")
    run_worker(runner)
    assert "WXYZ" not in reload(row).last_error and len(reload(row).last_error) <= 300


def test_a_lease_keeps_other_workers_off_until_it_expires(app, runner, db, smtp_sink):
    row = make_message()
    [claimed] = delivery.claim(10, settings(app))  # a worker that then died
    assert claimed.status == OutboxMessage.SENDING
    assert "sent 0" in run_worker(runner)
    with time_machine.travel(utcnow() + timedelta(seconds=601), tick=False):
        assert "sent 1" in run_worker(runner)
    [message] = smtp_sink.messages()
    assert message["Message-ID"] == row.message_id
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxMessage.SENT, 2)


def test_mail_templates_extend_the_shop_layout(app):
    app.config["SHOP_NAME"] = "Lamp House"
    try:
        with app.app_context():
            context = {"shop_name": app.config["SHOP_NAME"], "shop_url": "https://shop.test"}
            html = render_template_string(
                '{% extends "mail/_layout.html" %}{% block content %}<p>{{ what }}</p>'
                '{% endblock %}', what="<b>bold</b>", **context)
            text = render_template_string(
                '{% extends "mail/_layout.txt" %}{% block content %}Hi {{ what }}{% endblock %}',
                what="Grace", **context)
            assert render_template("mail/_layout.txt", **context).strip().endswith(
                "https://shop.test")
    finally:
        app.config["SHOP_NAME"] = "Storefront"
    assert "Lamp House" in html and "<p>&lt;b&gt;bold&lt;/b&gt;</p>" in html
    assert text.startswith("Hi Grace") and "-- \nLamp House\nhttps://shop.test" in text
