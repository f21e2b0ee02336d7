"""Care replies to correspondence (P10): the reply goes through the outbox to the sender's
address only, with the care address to answer to; a sender who was not signed in gets a fixed
subject and no name of their choosing back; the CareReply and the mail are written together or
not at all, once per form; the text is checked and kept on error; the thread shows who
answered, when, and the mail's delivery."""
import re

import pytest

from storefront.db import database
from storefront.mail.models import OutboxMessage
from storefront.support import replies, service
from storefront.support.models import CareReply, Correspondence
from tests.care.conftest import one_time_key, post_once
from tests.factories import make_customer, post_form
from tests.mail.conftest import WorkerProcesses
from tests.support.conftest import care_mail

REPLY = "Hello Ada,\nyour lamp left the warehouse this morning.\nKind regards"
SIGNATURE = {"shop_name": "Storefront", "care_email": "care@example.com"}


@pytest.fixture
def workers(database_url, smtp_sink, tmp_path):
    """`storefront worker` as a real process against the test database and the SMTP sink."""
    handle = WorkerProcesses(database_url, smtp_sink, tmp_path)
    yield handle
    handle.stop_all()


def _message(subject="Where is my lamp?", **overrides):
    fields = {"source": "contact_form", "sender_name": "Ada Shopper",
              "sender_email": "ada@example.com", "subject": subject,
              "body": "I ordered a lamp last week."}
    fields.update(overrides)
    return Correspondence.create(**fields)


def _reply(client, message, body=REPLY, button="send"):
    page = f"/care/inbox/{message.id}"
    return post_once(client, page, f"{page}/reply", {"body": body, button: "y"})


def test_a_reply_reaches_the_sender_through_the_outbox_and_the_worker(
        app, care, smtp_sink, workers):
    customer = make_customer()
    message, _ = service.receive_email(care_mail(subject="Where is my lamp?"))
    Correspondence.update(customer=customer).execute()  # as if sent signed in
    page = f"/care/inbox/{message.id}"
    response = _reply(care, message)
    assert response.status_code == 302 and response.location.endswith(page)
    assert "Your reply to ada@example.com is on its way." in \
        care.get(page).get_data(as_text=True)

    row = CareReply.get()
    assert (row.correspondence_id, row.staff_id, row.body) == \
        (message.id, care.staff.id, REPLY)
    mail = OutboxMessage.get()
    assert (mail.recipient, mail.subject, mail.category, mail.customer_id) == \
        ("ada@example.com", "Re: Where is my lamp?", "care_reply", customer.id)
    assert row.mail_id == mail.id
    assert Correspondence.get_by_id(message.id).status == "open"

    workers.run("--once")
    database.close()
    [received] = smtp_sink.messages()
    assert received["To"] == "ada@example.com"
    assert received["Subject"] == "Re: Where is my lamp?"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert text.startswith("Hello Ada Shopper,")  # the account's name
    assert "your lamp left the warehouse this morning." in text
    assert "Customer Care, Storefront" in text and "write to care@example.com" in text
    assert "your lamp left the warehouse this morning." in html
    assert "care@example.com" in html
    assert "Cara Care" not in text + html  # signed by Customer Care, not by the associate

    # The thread: the message, then the reply with who, when and the mail's delivery.
    html = care.get(page).get_data(as_text=True)
    assert html.index("please send me no more offers") < html.index("Reply by Cara Care") \
        < html.index("your lamp left the warehouse")
    assert "delivered to the mail server" in html
    assert f"/staff/mail/{mail.id}" in html


def test_the_subject_gets_one_re_and_fits_the_outbox(app):
    assert replies.reply_subject("Lamp", "Shop") == "Re: Lamp"
    assert replies.reply_subject("Re: Lamp", "Shop") == "Re: Lamp"
    assert replies.reply_subject("RE : Lamp", "Shop") == "RE : Lamp"
    assert replies.reply_subject("re:Lamp", "Shop") == "re:Lamp"
    assert replies.reply_subject("Return policy", "Shop") == "Re: Return policy"
    assert replies.reply_subject("", "Shop") == "Re: your message to Shop"
    assert replies.reply_subject("  Two\n lines ", "Shop") == "Re: Two lines"
    long = replies.reply_subject("x" * 200, "Shop")
    assert long.startswith("Re: xxx") and len(long) == OutboxMessage.subject.max_length


def test_a_reply_to_a_reply_gets_no_second_re(care):
    message = _message("Re: your order", customer=make_customer())
    assert _reply(care, message).status_code == 302
    assert OutboxMessage.get().subject == "Re: your order"


@pytest.mark.parametrize("body, error", [
    ("", "Write your reply."),
    ("   \n  ", "Write your reply."),
    ("x" * (replies.MAX_REPLY + 1), f"Use at most {replies.MAX_REPLY:,} characters."),
])
def test_a_reply_that_cannot_be_sent_is_kept_with_the_reason_next_to_it(care, body, error):
    message = _message()
    response = _reply(care, message, body)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="body-error">{error}</p>' in html
    assert 'aria-invalid="true"' in html and "I ordered a lamp last week." in html
    if body.strip():
        assert body in html  # the text is still in the box
    assert CareReply.select().count() == 0 and OutboxMessage.select().count() == 0


def test_the_text_is_kept_and_escaped_when_the_form_comes_back(care):
    message = _message()
    body = "<script>alert(1)</script> " + "y" * replies.MAX_REPLY
    html = _reply(care, message, body).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; yyyy" in html and "<script>" not in html


def test_the_reply_is_escaped_on_the_page_and_in_the_html_mail(care):
    message = _message()
    assert _reply(care, message, "<b>bold</b> & more").status_code == 302
    page = care.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page and "<b>bold</b>" not in page
    mail = OutboxMessage.get()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in mail.body_html
    assert "<b>bold</b> & more" in mail.body_text


def test_reply_and_close_in_one_go(care):
    message = _message()
    response = _reply(care, message, button="send_and_close")
    assert response.status_code == 302 and response.location.endswith("/care/inbox/")
    assert "Your reply to ada@example.com is on its way and the message is closed." in \
        care.get(response.location).get_data(as_text=True)
    closed = Correspondence.get_by_id(message.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert CareReply.select().count() == 1 and OutboxMessage.select().count() == 1


def test_a_closed_message_can_be_answered_and_stays_closed(care):
    message = _message(status="closed")
    page = f"/care/inbox/{message.id}"
    html = care.get(page).get_data(as_text=True)
    assert "stays closed when you reply" in html and "Send reply and close" not in html
    response = _reply(care, message, "One more thing: the tracking number is 123.")
    assert response.status_code == 302 and response.location.endswith(page)
    assert "The message stays closed." in care.get(page).get_data(as_text=True)
    assert Correspondence.get_by_id(message.id).status == "closed"
    assert OutboxMessage.get().recipient == "ada@example.com"


def test_the_mail_names_only_the_account_that_sent_the_message_signed_in(care):
    make_customer()  # uses the sender's address, but did not sign in to send it
    message = _message()
    assert _reply(care, message).status_code == 302
    assert OutboxMessage.get().customer_id is None


def test_a_reply_and_its_mail_are_written_together_or_not_at_all(app, care, monkeypatch):
    message = _message()

    def broken_create(*args, **kwargs):
        raise RuntimeError("the database went away")

    # The mail is written first, then the reply fails: the mail goes with it.
    monkeypatch.setattr(CareReply, "create", broken_create)
    with app.test_request_context(), pytest.raises(RuntimeError):
        replies.reply(message, care.staff, "Your lamp ships today.", **SIGNATURE)
    assert OutboxMessage.select().count() == 0
    monkeypatch.undo()

    def broken_enqueue(*args, **kwargs):
        raise RuntimeError("no such template")

    monkeypatch.setattr(replies.outbox, "enqueue", broken_enqueue)
    with app.test_request_context(), pytest.raises(RuntimeError):
        replies.reply(message, care.staff, "Your lamp ships today.", close=True,
                      **SIGNATURE)
    assert CareReply.select().count() == 0 and OutboxMessage.select().count() == 0
    assert Correspondence.get_by_id(message.id).status == "open"


def test_a_reply_leaves_the_shop_only_as_one_mail_to_the_sender(app, care, smtp_sink):
    other = _message("Another question", sender_email="bo@example.com", sender_name="Bo")
    message = _message()
    assert _reply(care, message, "Only for Ada: zq7-REPLY-MARKER").status_code == 302
    app.test_cli_runner().invoke(args=["worker", "--once"])
    assert [m["To"] for m in smtp_sink.messages()] == ["ada@example.com"]
    assert "zq7-REPLY-MARKER" not in care.get(f"/care/inbox/{other.id}").get_data(as_text=True)
    listing = care.get("/care/inbox/").get_data(as_text=True)
    assert "zq7-REPLY-MARKER" not in listing


def test_line_ends_count_once_as_browsers_count_them(care):
    message = _message()
    lines = "a\r\n" * (replies.MAX_REPLY // 2 - 1) + "zz"  # 11,999 characters as posted
    assert _reply(care, message, lines).status_code == 302
    assert len(CareReply.get().body) == replies.MAX_REPLY and "\r" not in CareReply.get().body


def test_a_sender_who_was_not_signed_in_gets_no_words_of_their_choosing_back(app, care):
    visitor = app.test_client()
    assert post_form(visitor, "/contact", {
        "name": "Security team: call +1-900-555-0000 now", "email": "victim@example.com",
        "subject": "Your card was charged $900", "body": "hello"}).status_code == 302
    message = Correspondence.get()
    assert message.customer is None
    html = care.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    assert "Your message to Storefront Customer Care" in html  # the associate is told
    assert _reply(care, message, "Thank you for writing.").status_code == 302
    mail = OutboxMessage.get()
    assert (mail.recipient, mail.subject) == ("victim@example.com",
                                              "Your message to Storefront Customer Care")
    assert mail.body_text.startswith("Hello,\n")
    assert "call +1-900" not in mail.body_text + mail.body_html
    # The subject they wrote is quoted in the text, marked as theirs, never a headline.
    quoted = "The subject of your message was: \u201cYour card was charged $900\u201d"
    assert quoted in mail.body_text
    assert quoted in mail.body_html
    assert mail.body_text.index("Thank you for writing.") < mail.body_text.index(quoted)


def test_a_signed_in_account_is_greeted_by_its_name_not_the_name_typed(care):
    ada = make_customer()
    message = _message(customer=ada, sender_name="Someone Else Entirely")
    assert _reply(care, message).status_code == 302
    mail = OutboxMessage.get()
    assert mail.subject == "Re: Where is my lamp?"
    assert mail.body_text.startswith("Hello Ada Shopper,")
    assert "Someone Else" not in mail.body_text + mail.body_html


def test_the_service_signs_with_the_shop_name_and_care_address_it_is_given(app, care):
    message = _message()
    with app.test_request_context():
        row, created = replies.reply(message, care.staff, "Noted.", shop_name="Lamp House",
                                     care_email="help@lamp.example")
    assert created and row.mail.subject == "Your message to Lamp House Customer Care"
    assert "Customer Care, Lamp House" in row.mail.body_text
    assert "write to help@lamp.example" in row.mail.body_text


def test_a_second_post_of_the_same_form_sends_one_mail(care):
    message = _message()
    page = f"/care/inbox/{message.id}"
    data = {"body": REPLY, "send": "y", "form_key": one_time_key(care, page)}
    first = post_form(care, f"{page}/reply", data, token_page=page)
    again = post_form(care, f"{page}/reply", data, token_page=page)  # a double click
    row = CareReply.get()
    assert first.status_code == again.status_code == 302
    assert again.location.endswith(f"{page}#reply-{row.id}")
    assert CareReply.select().count() == 1 and OutboxMessage.select().count() == 1
    assert "That reply was sent already" in care.get(again.location).get_data(as_text=True)
    # A new form on the page has a new key: the next reply is a new one.
    assert _reply(care, message, "And one more thing.").status_code == 302
    assert CareReply.select().count() == 2 and OutboxMessage.select().count() == 2


def test_a_reply_without_its_key_sends_nothing_and_comes_back_ready_to_send(care):
    message = _message()
    page = f"/care/inbox/{message.id}"
    response = post_form(care, f"{page}/reply", {"body": REPLY, "send": "y"}, token_page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and OutboxMessage.select().count() == 0
    assert "This form was out of date: send it again." in html
    fresh = re.search(r'name="form_key"[^>]*value="([0-9a-f-]{36})"', html).group(1)
    assert post_form(care, f"{page}/reply", {"body": REPLY, "send": "y", "form_key": fresh},
                     token_page=page).status_code == 302
    assert CareReply.select().count() == 1


def test_each_reply_in_the_thread_shows_its_own_mail(care):
    message = _message(customer=make_customer())
    for body in ("First answer.", "Second answer."):
        assert _reply(care, message, body).status_code == 302
    html = care.get(f"/care/inbox/{message.id}").get_data(as_text=True)
    for row in CareReply.select().order_by(CareReply.id):
        assert row.mail.body_text.count("answer.") == 1 and row.body in row.mail.body_text
        section = re.search(rf'id="reply-{row.id}".*?</section>', html, re.S).group(0)
        assert f"/staff/mail/{row.mail_id}" in section and row.body in section
