"""Gift card rules: codes, what is stored, issuing with its mail, redemption through a ledger."""
import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.db import database
from storefront.giftcards import service
from storefront.giftcards.models import GiftCard, GiftCardEntry
from storefront.mail.models import OutboxMessage

DISPLAY_CODE = re.compile(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}\b")


def issue_card(app, amount_cents=5000, **overrides):
    """Issue a gift card as checkout does (in a request); return it and the mailed code."""
    fields = {"recipient_name": "Grace Hopper", "recipient_email": "grace@example.com",
              "sender_name": "Ada", "message": "Happy birthday!", "order_number": "SF-1001"}
    fields.update(overrides)
    with app.test_request_context():
        card = service.issue(amount_cents, **fields)
    mail = OutboxMessage.get(OutboxMessage.recipient == fields["recipient_email"])
    return card, DISPLAY_CODE.search(mail.body_text).group(0)


def balance_of(card):
    return GiftCard.get_by_id(card.id).balance_cents


def ledger_sum(card):
    return sum(entry.amount_cents for entry in GiftCardEntry.select()
               .where(GiftCardEntry.gift_card == card.id))


def test_new_codes_avoid_look_alikes_and_display_in_groups_of_four():
    codes = {service.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 16 and set(code) <= set(service.ALPHABET)
        assert not set(code) & set("0O1IL U")
        assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", service.display_code(code))


@pytest.mark.parametrize("raw", ["ABCDEFGHJKMNPQRS", "abcd-efgh-jkmn-pqrs",
                                 " abcd efgh  jkmn pqrs ", "ABCD - EFGH - JKMN - PQRS",
                                 "aBcD\tEfGh\njKmN-pQrS"])
def test_codes_are_read_in_any_case_with_dashes_and_spaces(raw):
    assert service.normalise_code(raw) == "ABCDEFGHJKMNPQRS"


@pytest.mark.parametrize("raw", [
    "ABCDEFGHJKMNPQR0", "ABCDEFGHJKMNPQRO", "ABCDEFGHJKMNPQR1", "ABCDEFGHJKMNPQRI",
    "ABCDEFGHJKMNPQRL", "ABCDEFGHJKMNPQRU",  # look-alikes are never in a code
    "ABCDEFGHJKMNPQR", "ABCDEFGHJKMNPQRST", "", None, "ABCD_EFGH_JKMN_PQRS",
    "ABCDEFGHJKMNPQRＳ",  # a full-width letter
])
def test_what_cannot_be_a_code_normalises_to_nothing(raw):
    assert service.normalise_code(raw) == ""
    assert service.find(raw) is None


def test_only_the_hash_and_last_four_are_stored(app, db):
    card, code = issue_card(app)
    plain = code.replace("-", "")
    row = GiftCard.select().dicts().get()
    for column, value in row.items():
        assert plain not in str(value) and code not in str(value), column
    assert row["code_hash"] == hashlib.sha256(plain.encode()).hexdigest()
    assert row["last_four"] == plain[-4:]
    assert service.find(code.lower().replace("-", " ")).id == card.id


def test_issuing_writes_the_card_its_ledger_entry_and_the_mail(app, db):
    card, code = issue_card(app, 7500, message="See you soon")
    assert (card.initial_cents, balance_of(card)) == (7500, 7500)
    assert [(e.kind, e.amount_cents, e.order_number) for e in service.ledger(card)] == \
        [(GiftCardEntry.ISSUED, 7500, "SF-1001")]
    mail = OutboxMessage.get()
    assert (mail.category, mail.recipient, mail.status) == \
        ("gift_card", "grace@example.com", OutboxMessage.PENDING)
    assert mail.subject == "Ada sent you a gift card"
    for body in (mail.body_text, mail.body_html):
        assert code in body and "$75.00" in body and "See you soon" in body
        assert "http://127.0.0.1:8000/gift-cards/balance" in body  # SHOP_URL, not Host
        assert "payment step" in body


def test_issuing_commits_with_the_callers_transaction_or_not_at_all(app, db):
    with pytest.raises(RuntimeError), app.test_request_context():
        with database.atomic():
            service.issue(5000, "Grace", "grace@example.com", "Ada", "", "SF-1001")
            assert GiftCard.select().count() == 1
            raise RuntimeError("the order failed after the card was issued")
    assert GiftCard.select().count() == 0
    assert GiftCardEntry.select().count() == 0
    assert OutboxMessage.select().count() == 0


@pytest.mark.parametrize("cents", [service.MIN_CENTS - 1, service.MAX_CENTS + 1, 0, -5000])
def test_an_amount_outside_the_limits_issues_nothing(app, db, cents):
    with pytest.raises(service.GiftCardError), app.test_request_context():
        service.issue(cents, "Grace", "grace@example.com", "Ada", "", "SF-1001")
    assert GiftCard.select().count() == 0 and OutboxMessage.select().count() == 0


def test_the_mail_escapes_what_the_sender_wrote_in_html_only(app, db):
    message = '<script>alert("x")</script> & <b>love</b>'
    issue_card(app, sender_name="Ada <Lovelace>", message=message)
    mail = OutboxMessage.get()
    assert "<script>" not in mail.body_html and "<b>love</b>" not in mail.body_html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;love&lt;/b&gt;" \
        in mail.body_html
    assert "Ada &lt;Lovelace&gt;" in mail.body_html
    assert message in mail.body_text  # text/plain is shown as text, never interpreted


def test_partial_redemptions_keep_balance_and_ledger_in_step(app, db):
    card, _ = issue_card(app, 5000)
    service.redeem(card.id, 1200, "SF-2001")
    service.redeem(card.id, 800, "SF-2002")
    assert balance_of(card) == 3000 == ledger_sum(card)
    assert [(e.kind, e.amount_cents, e.order_number) for e in service.ledger(card)] == [
        (GiftCardEntry.ISSUED, 5000, "SF-1001"), (GiftCardEntry.REDEEMED, -1200, "SF-2001"),
        (GiftCardEntry.REDEEMED, -800, "SF-2002")]


@pytest.mark.parametrize("cents", [5001, 0, -100])
def test_redeeming_more_than_the_balance_or_nothing_changes_nothing(app, db, cents):
    card, _ = issue_card(app, 5000)
    with pytest.raises(service.GiftCardError):
        service.redeem(card.id, cents, "SF-2001")
    assert balance_of(card) == 5000 == ledger_sum(card)
    assert GiftCardEntry.select().count() == 1


def test_racing_redemptions_of_the_whole_balance_let_exactly_one_win(app, db):
    card, _ = issue_card(app, 5000)
    db.close()
    racers = 4
    start = threading.Barrier(racers)

    def redeem(number):
        try:
            start.wait()
            service.redeem(card.id, 5000, f"SF-30{number}")
            return "won"
        except service.GiftCardError:
            return "lost"
        finally:
            database.close()

    with ThreadPoolExecutor(max_workers=racers) as pool:
        results = sorted(pool.map(redeem, range(racers)))
    assert results == ["lost"] * (racers - 1) + ["won"]
    assert balance_of(card) == 0 == ledger_sum(card)
    assert GiftCardEntry.select().where(GiftCardEntry.kind == GiftCardEntry.REDEEMED).count() == 1


def test_restoring_gives_back_what_an_order_took(app, db):
    card, code = issue_card(app, 5000)
    service.redeem(card.id, 5000, "SF-2001")
    with pytest.raises(service.GiftCardError):
        service.usable(code)
    service.restore(card.id, 2000, "SF-2001")
    assert service.usable(code).balance_cents == 2000 == ledger_sum(card)
    assert [e.kind for e in service.ledger(card)] == [
        GiftCardEntry.ISSUED, GiftCardEntry.REDEEMED, GiftCardEntry.RESTORED]


def test_unknown_malformed_and_spent_codes_get_the_same_one_message(app, db):
    card, code = issue_card(app, 5000)
    service.redeem(card.id, 5000, "SF-2001")
    messages = set()
    for raw in (code, "ABCD-EFGH-JKMN-PQRS", "hello", ""):
        with pytest.raises(service.GiftCardError) as refused:
            service.usable(raw)
        messages.add(str(refused.value))
    assert messages == {service.UNKNOWN_CODE}
