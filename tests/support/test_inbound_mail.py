"""Mail to the care address (P20 path 3): received over SMTP or imported, stored once, kept
as text; care records the opt-out it asks for."""
import mailbox
import os
import re
import smtplib
import socket
import subprocess
import time
from html import unescape

import pytest

from storefront.mail.models import OutboxMessage
from storefront.privacy import consent
from storefront.privacy.models import ConsentEvent
from storefront.support import service
from storefront.support.inbound import UnusableMessage
from storefront.support.models import Correspondence
from tests.factories import make_customer, make_staff, post_form, staff_sign_in
from tests.sandbox import STOREFRONT, free_port
from tests.support.conftest import CARE, care_mail


def test_mail_over_smtp_reaches_the_inbox_and_care_records_the_opt_out(app, client, db,
                                                                     care_receiver):
    customer = make_customer(email="ada@example.com")
    consent.record("shop_marketing", True, "registration", customer_id=customer.id,
                   address=customer.email)
    consent.record("partner_offers", True, "registration", customer_id=customer.id,
                   address=customer.email)
    care_receiver.send(care_mail(sender="Ada Shopper <ADA@example.com>"))

    message = Correspondence.get()
    assert (message.source, message.sender_name, message.sender_email) == \
        ("email", "Ada Shopper", "ADA@example.com")
    assert message.customer_id is None and message.status == "open"
    assert service.account_of(message).id == customer.id  # a hint for care, never stored
    assert message.subject == "Please stop the offers"
    assert message.body == "Hello,\nplease send me no more offers.\nAda"

    care = make_staff("care")
    staff_sign_in(client, care.email)
    listing = client.get("/care/inbox/").get_data(as_text=True)
    assert "Please stop the offers" in listing and "ADA@example.com" in listing
    page = unescape(client.get(f"/care/inbox/{message.id}").get_data(as_text=True))
    assert "please send me no more offers.<br>Ada" in page
    assert "The shop's offers and news: yes" in page and "Partner offers: yes" in page
    assert "Record opt-out from all marketing for ADA@example.com" in page

    response = post_form(client, f"/care/inbox/{message.id}/optout", {},
                         token_page=f"/care/inbox/{message.id}")
    assert response.status_code == 302
    page = unescape(client.get(response.location).get_data(as_text=True))
    assert "Opt-out recorded for ADA@example.com. Withdrawn: The shop's offers and news; " \
        "Partner offers." in page
    assert "The shop's offers and news: no" in page and "Partner offers: no" in page

    events = list(ConsentEvent.select().where(ConsentEvent.channel == "care_email")
                  .order_by(ConsentEvent.purpose))
    assert [(e.purpose, e.given, e.staff_id, e.reference, e.customer_id, e.email_key)
            for e in events] == [
        (purpose, False, care.id, f"correspondence {message.id}", customer.id,
         "ada@example.com") for purpose in ("partner_offers", "shop_marketing")]
    assert not any(consent.current(customer.id).values())

    # Asked twice, nothing more is recorded, and care is told so.
    again = post_form(client, f"/care/inbox/{message.id}/optout", {},
                      token_page=f"/care/inbox/{message.id}")
    assert "had no marketing consent to withdraw" in \
        client.get(again.location).get_data(as_text=True)
    assert ConsentEvent.select().where(ConsentEvent.channel == "care_email").count() == 2


def test_a_sender_without_an_account_is_opted_out_by_address_and_told(app, db):
    consent.record("shop_marketing", True, "catalogue_request", address="bob@example.com")
    message, _ = service.receive_email(care_mail(sender="bob@example.com"))
    assert message.customer_id is None
    with app.test_request_context():
        events = service.record_optout_from(message, make_staff("care"))
    assert [(e.purpose, e.channel, e.customer_id) for e in events] == \
        [("shop_marketing", "care_email", None)]
    assert not consent.allows("shop_marketing", address="Bob@Example.com")
    # A From line can be forged: the address hears of it, with a link that undoes it.
    [notice] = OutboxMessage.select().where(OutboxMessage.category == "consent_notice")
    assert notice.recipient == "bob@example.com" and "/privacy/resume/" in notice.body_text


def test_the_receiver_refuses_other_recipients_and_mail_without_a_sender(care_receiver, db):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        care_receiver.send(care_mail(to="sales@example.com"), to="sales@example.com")
    assert refused.value.recipients["sales@example.com"][0] == 550
    with pytest.raises(smtplib.SMTPDataError) as no_sender:
        care_receiver.send(care_mail(sender=None))
    assert no_sender.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPDataError):
        care_receiver.send(care_mail(sender="Nobody <not an address>"))
    assert Correspondence.select().count() == 0
    care_receiver.send(care_mail(), to="Care@Example.com")  # the address, in any case
    assert Correspondence.select().count() == 1


def test_the_same_message_delivered_twice_is_stored_once(care_receiver, db):
    raw = care_mail(message_id="<once@example.com>")
    care_receiver.send(raw)
    care_receiver.send(raw)
    first, created = service.receive_email(raw)
    assert not created
    assert Correspondence.select().count() == 1 and first.message_id == "<once@example.com>"
    # Without a Message-ID, the same bytes are still recognised.
    bare = re.sub(rb"Message-ID: [^\r\n]+\r?\n", b"", care_mail())
    assert service.receive_email(bare)[1] and not service.receive_email(bare)[1]
    assert Correspondence.select().count() == 2


def test_html_only_mail_is_kept_as_text_and_shown_escaped(client, db, care_receiver):
    html = ("<html><head><style>p {color: red}</style></head><body><p>Stop <b>all</b> "
            "mail &amp; offers</p><script>alert('x')</script><p>&lt;img src=x "
            "onerror=alert(1)&gt;</p></body></html>")
    care_receiver.send(care_mail(subject="<script>alert(2)</script>", text=None, html=html))
    message = Correspondence.get()
    assert message.body == "Stop all mail & offers\n\n<img src=x onerror=alert(1)>"
    assert "alert('x')" not in message.body and "color" not in message.body

    staff_sign_in(client, make_staff("care").email)
    page = client.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page and "<script>" not in page
    listing = client.get("/care/inbox/").get_data(as_text=True)
    assert "&lt;script&gt;alert(2)" in listing and "<script>" not in listing


def test_text_is_preferred_sizes_are_capped_and_nul_is_dropped(db):
    long_subject = "S" * 500
    raw = care_mail(subject=long_subject, text="x\x00y" + "z" * 60_000, html="<p>HTML</p>")
    message, _ = service.receive_email(raw)
    assert message.subject == "S" * 200
    assert message.body.startswith("xyzz") and len(message.body) == 50_000
    with pytest.raises(UnusableMessage):
        service.receive_email(b"Subject: hello\r\n\r\nno sender at all\r\n")
    # Raw 8-bit bytes in headers and body are stored as replacement characters.
    eight_bit, _ = service.receive_email(b"From: J\xf6rg <j@example.com>\r\nSubject: caf\xe9\r\n"
                                         b"\r\nna\xefve\r\n")
    eight_bit = Correspondence.get_by_id(eight_bit.id)
    assert (eight_bit.sender_name, eight_bit.subject, eight_bit.body) == \
        ("J\ufffdrg", "caf\ufffd", "na\ufffdve")


def test_import_mail_reads_eml_files_mbox_and_stdin(runner, db, tmp_path):
    eml = tmp_path / "one.eml"
    eml.write_bytes(care_mail(subject="From a file", message_id="<file@example.com>"))
    result = runner.invoke(args=["care", "import-mail", str(eml)])
    assert result.exit_code == 0, result.output
    assert "stored as #" in result.output and "stored 1" in result.output
    again = runner.invoke(args=["care", "import-mail", str(eml)])
    assert "already in the inbox" in again.output and "already there 1" in again.output

    box = mailbox.mbox(tmp_path / "care.mbox")
    for number in (1, 2):
        box.add(care_mail(subject=f"Mbox {number}", sender=f"m{number}@example.com"))
    box.add(care_mail(sender=None))
    box.close()
    result = runner.invoke(args=["care", "import-mail", "--mbox", str(tmp_path / "care.mbox")])
    assert result.exit_code == 0, result.output
    assert "stored 2, already there 0, skipped 1" in result.output

    result = runner.invoke(args=["care", "import-mail", "-"],
                           input=care_mail(subject="From stdin"))
    assert result.exit_code == 0 and "stdin: stored" in result.output
    assert sorted(m.subject for m in Correspondence.select()) == \
        ["From a file", "From stdin", "Mbox 1", "Mbox 2"]


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_the_receive_mail_command_stores_into_the_shop_database(database_url, db, tmp_path):
    port = free_port()
    log = open(tmp_path / "care-mail.log", "w+")
    process = subprocess.Popen(
        [STOREFRONT, "care", "receive-mail", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": database_url, "CARE_EMAIL": CARE},
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not _listening(port):
            assert process.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "care-mail.log").read_text()
            time.sleep(0.05)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("ada@example.com", [CARE], care_mail(subject="Through the command"))
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    assert process.returncode == 0, (tmp_path / "care-mail.log").read_text()
    assert [m.subject for m in Correspondence.select()] == ["Through the command"]
