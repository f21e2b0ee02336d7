"""Shipping all or part of an order: the carrier's exact payload, captures that follow the
goods, line statuses, settlement, and the promised emails (P2, P3)."""
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine

from storefront.catalogue.models import Availability, Product
from storefront.db import utcnow
from storefront.fulfilment import carrier as carriers
from storefront.fulfilment import service
from storefront.fulfilment.carrier import SandboxCarrier
from storefront.fulfilment.models import Shipment
from storefront.giftcards.models import GiftCard
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from storefront.payments.gateway import PaymentError, ProcessorUnavailable
from storefront.payments.models import Payment

from tests.fulfilment.conftest import RecordingCarrier
from tests.checkout.test_gift_card_payments import GIFT_CARDS_ONLY, buy_gift_card
from tests.factories import (add_to_cart, checkout, choose_payment, fill_details, make_product,
                             place_order)
from tests.giftcards.test_service import issue_card

TRACKING = "https://track.example.com/?n={tracking_number}"


def place(client, *products, **payment):
    for product, quantity in products:
        add_to_cart(client, product, quantity)
    assert checkout(client, **payment).status_code == 302
    return Order.select().order_by(Order.id.desc()).get()


def lines(order):
    return {line.name: line for line in OrderLine.select().where(OrderLine.order == order)}


def processor_state(fulfil, order):
    with sqlite3.connect(fulfil.processor_handle.keys_dir / "processor.db") as ledger:
        return ledger.execute("SELECT status, captured_cents FROM authorizations "
                              "WHERE order_reference = ?", (order.number,)).fetchone()


def mails(category):
    return list(OutboxMessage.select().where(OutboxMessage.category == category)
                .order_by(OutboxMessage.id))


def test_the_carrier_receives_exactly_name_address_phone_weight_and_parcels(client, db,
                                                                            fulfil):
    lamp = make_product(name="Brass Lamp", weight_grams=25_000)
    order = place(client, (lamp, 1))
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    request = fulfil.carrier.requests[-1]
    assert set(request) == {"recipient_name", "address", "phone", "weight_grams",
                            "parcel_count"}
    assert set(request["address"]) == {"line1", "line2", "city", "region", "postal_code",
                                       "country"}
    assert request == {"recipient_name": "Gus Guest", "phone": "+12175550199",
                       "weight_grams": 25_000, "parcel_count": 2,
                       "address": {"line1": "2 Elm Street", "line2": "", "city": "Springfield",
                                   "region": "IL", "postal_code": "62702", "country": "US"}}
    text = repr(request)
    for absent in ("guest@example.com", "1111", "Brass Lamp", "visa"):
        assert absent not in text
    with pytest.raises(ValueError):
        SandboxCarrier().create_shipment({**request, "email": "guest@example.com"}, "ref-1")
    carrier = SandboxCarrier()  # asked twice for one shipment, it makes one label
    assert carrier.create_shipment(request, "ref-2") == carrier.create_shipment(request, "ref-2")


def test_shipping_everything_captures_the_card_and_sends_the_two_promised_emails(
        client, db, fulfil):
    order = place(client, (make_product(name="Brass Lamp", price_cents=4000), 1),
                  (make_product(name="Paper Lantern", price_cents=1500), 2))
    shipment = fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier,
                      TRACKING).shipment
    assert re.fullmatch(r"[0-9]{12}", shipment.tracking_number)
    assert {line.status for line in lines(order).values()} == {OrderLine.SHIPPED}
    assert Payment.get().captured_cents == order.card_cents == 7000 + 595
    assert processor_state(fulfil, order) == ("captured", order.card_cents)
    assert Order.get_by_id(order.id).settled_at is not None
    confirmation, tracking = mails("shipment"), mails("tracking")
    assert len(confirmation) == 1 and len(tracking) == 1
    assert confirmation[0].id < tracking[0].id  # confirmation first, then tracking
    body = confirmation[0].body_text
    assert order.number in body and "1 x Brass Lamp ($40.00 each): $40.00" in body
    assert "2 x Paper Lantern ($15.00 each): $30.00" in body
    assert "Visa 4••• •••• •••• 1111" in body and "4111111111111111" not in body
    assert shipment.tracking_number in tracking[0].body_text
    assert f"https://track.example.com/?n={shipment.tracking_number}" in tracking[0].body_text
    assert {m.recipient for m in confirmation + tracking} == {"guest@example.com"}


def test_a_partial_shipment_captures_its_lines_and_the_shipping_then_the_rest(
        client, db, fulfil):
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    lantern = make_product(name="Paper Lantern", price_cents=1000)
    order = place(client, (lamp, 1), (lantern, 1))
    assert order.card_cents == 3595
    first = fulfil("ship", order, [lines(order)["Brass Lamp"].id], None, fulfil.processor,
                   fulfil.carrier, TRACKING).shipment
    assert first.captured_cents == 2595  # the lamp and the shipping
    assert processor_state(fulfil, order) == ("partially_captured", 2595)
    assert "in part" in mails("shipment")[0].body_text
    second = fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier,
                    TRACKING).shipment
    assert second.captured_cents == 1000
    assert processor_state(fulfil, order) == ("captured", 3595)
    with pytest.raises(service.FulfilmentError):
        fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)


def test_a_discontinued_line_is_cancelled_its_amount_released_and_the_shopper_told(
        client, db, fulfil):
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    lantern = make_product(name="Paper Lantern", price_cents=1000)
    order = place(client, (lamp, 1), (lantern, 1))
    lantern_line = lines(order)["Paper Lantern"]
    fulfil("change_line", order, lantern_line.id, OrderLine.DISCONTINUED,
           fulfil.processor, also_product=True)
    assert Product.get_by_id(lantern.id).availability == Availability.DISCONTINUED
    status_mail = mails("line_status")
    assert len(status_mail) == 1 and "Paper Lantern: Discontinued, cancelled" in \
        status_mail[0].body_text and "you will not pay" in status_mail[0].body_text
    # The same status again sends nothing.
    fulfil("change_line", order, lantern_line.id, OrderLine.DISCONTINUED,
           fulfil.processor)
    assert len(mails("line_status")) == 1
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    # Only the lamp and shipping were captured; the lantern's $10 was released.
    assert processor_state(fulfil, order) == ("captured", 2595)
    assert Order.get_by_id(order.id).settled_at is not None


def test_out_of_stock_then_back_in_then_shipped(client, db, fulfil):
    order = place(client, (make_product(name="Brass Lamp"), 1))
    line = lines(order)["Brass Lamp"]
    fulfil("change_line", order, line.id, OrderLine.OUT_OF_STOCK, fulfil.processor)
    assert "Out of stock" in mails("line_status")[0].body_text
    assert order not in service.orders_to_ship()
    fulfil("change_line", order, line.id, OrderLine.ALLOCATED, fulfil.processor)
    assert len(mails("line_status")) == 1  # back to normal: no news to send
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    with pytest.raises(service.FulfilmentError):
        fulfil("change_line", order, line.id, OrderLine.CANCELLED, fulfil.processor)


def test_an_on_reserve_item_gets_its_status_email_when_the_order_is_placed(client, db, fulfil):
    pendant = make_product(name="Copper Pendant", availability=Availability.ON_RESERVE, stock=0)
    place(client, (pendant, 1), (make_product(name="Brass Lamp"), 1))
    notice = mails("line_status")
    assert len(notice) == 1 and "Copper Pendant: On reserve" in notice[0].body_text
    assert "Brass Lamp" not in notice[0].body_text


def test_a_gift_card_pays_first_and_gets_back_what_was_not_delivered(app, client, db, fulfil):
    card, code = issue_card(app, 3000)
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    lantern = make_product(name="Paper Lantern", price_cents=2000)
    order = place(client, (lamp, 1), (lantern, 1), gift_code=code)
    assert (order.gift_card_cents, order.card_cents) == (3000, 1595)
    fulfil("change_line", order, lines(order)["Paper Lantern"].id, OrderLine.CANCELLED,
           fulfil.processor)
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    # Delivered: $20 lamp + $5.95 shipping, all within the $30 gift card: the card pays
    # nothing and the gift card gets $4.05 back.
    assert processor_state(fulfil, order)[0] == "voided"
    assert GiftCard.get_by_id(card.id).balance_cents == 405


def test_a_gift_card_order_is_captured_when_it_is_placed(client, db, fulfil):
    buy_gift_card(client, 5000)
    fill_details(client, **GIFT_CARDS_ONLY)
    choose_payment(client)
    assert place_order(client).status_code == 302
    order = Order.get()
    assert processor_state(fulfil, order) == ("captured", 5000)
    assert Order.get_by_id(order.id).settled_at is not None


def test_two_people_shipping_one_order_at_once_never_capture_twice(app, client, db, fulfil):
    order = place(client, *[(make_product(name=f"Lamp {n}", price_cents=1000), 1)
                            for n in range(4)])
    ids = [line.id for line in lines(order).values()]
    start = threading.Barrier(2)

    def ship_one(line_id):
        start.wait()
        try:
            return fulfil("ship", order, [line_id], None, fulfil.processor, fulfil.carrier,
                          TRACKING).shipment.captured_cents
        except service.FulfilmentError as error:
            return str(error)

    db.close()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(ship_one, ids[:2]))
    captured = [r for r in results if isinstance(r, int)]
    assert captured, results
    delivered = sum(1000 for line in lines(order).values() if line.status == "shipped") + 595
    assert processor_state(fulfil, order)[1] == sum(captured) == delivered


def test_a_carrier_failure_puts_the_lines_back_and_charges_nothing(client, db, fulfil):
    order = place(client, (make_product(name="Brass Lamp"), 1))
    down = RecordingCarrier(fail=True)
    with pytest.raises(service.FulfilmentError, match="nothing was shipped or charged"):
        fulfil("ship", order, None, None, fulfil.processor, down, TRACKING)
    assert lines(order)["Brass Lamp"].status == OrderLine.ALLOCATED
    assert Shipment.select().count() == 0 and processor_state(fulfil, order) == \
        ("authorized", 0)
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    assert processor_state(fulfil, order) == ("captured", order.card_cents)


class LostAnswers:
    """The processor, but the answer to the first capture is lost on the way back."""

    def __init__(self, processor):
        self.processor, self.lost = processor, False

    def __getattr__(self, name):
        return getattr(self.processor, name)

    def capture(self, *args, **kwargs):
        state = self.processor.capture(*args, **kwargs)
        if not self.lost:
            self.lost = True
            raise ProcessorUnavailable("no answer within 5s")
        return state


def test_a_capture_whose_answer_was_lost_is_finished_without_capturing_twice(
        client, db, fulfil):
    order = place(client, (make_product(name="Brass Lamp", price_cents=2000), 1),
                  (make_product(name="Paper Lantern", price_cents=1000), 1))
    flaky = LostAnswers(fulfil.processor)
    with pytest.raises(service.FulfilmentError, match="nothing will be captured twice"):
        fulfil("ship", order, [lines(order)["Brass Lamp"].id], None, flaky, fulfil.carrier,
               TRACKING)
    assert lines(order)["Brass Lamp"].status == OrderLine.SHIPPING  # waiting to be finished
    assert mails("shipment") == []
    # Shipping again (whatever is ticked) finishes the earlier shipment first.
    shipped = fulfil("ship", order, None, None, flaky, fulfil.carrier, TRACKING)
    assert shipped.resumed and shipped.shipment.captured_cents == 2595
    assert processor_state(fulfil, order) == ("partially_captured", 2595)  # once, not twice
    assert lines(order)["Paper Lantern"].status == OrderLine.ALLOCATED
    assert len(mails("shipment")) == 1 and len(mails("tracking")) == 1


def test_a_refused_capture_withdraws_the_parcel_and_puts_the_lines_back(client, db, fulfil):
    order = place(client, (make_product(name="Brass Lamp"), 1))
    fulfil.processor.void(Payment.get().authorization_id)  # the authorization is gone
    with pytest.raises(PaymentError):
        fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    assert fulfil.carrier.cancelled and lines(order)["Brass Lamp"].status == OrderLine.ALLOCATED
    assert Shipment.select().count() == 0


def test_a_cancelled_line_gives_its_units_back_and_leaves_the_summary(client, db, fulfil):
    lamp = make_product(name="Brass Lamp", price_cents=2000, stock=10)
    lantern = make_product(name="Paper Lantern", price_cents=1000, stock=10)
    order = place(client, (lamp, 2), (lantern, 1))
    fulfil("change_line", order, lines(order)["Brass Lamp"].id, OrderLine.CANCELLED,
           fulfil.processor)
    assert Product.get_by_id(lamp.id).stock == 10
    assert "We have cancelled it" in mails("line_status")[0].body_text
    fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    body = mails("shipment")[0].body_text
    assert "Total: $15.95" in body and "in part" not in body
    assert processor_state(fulfil, order) == ("captured", 1595)


def test_the_parcel_count_grows_with_weight():
    address = type("A", (), {"name": "n", "line1": "l", "line2": "", "city": "c",
                             "region": "", "postal_code": "p", "country": "US"})()
    assert carriers.shipment_request(address, "", 0)["parcel_count"] == 1
    assert carriers.shipment_request(address, "", 20_000)["parcel_count"] == 1
    assert carriers.shipment_request(address, "", 20_001)["parcel_count"] == 2


def test_orders_shipped_while_the_smtp_server_is_down_lose_no_mail(
        app, runner, client, db, fulfil, smtp_sink):
    shopper_orders = []
    for n in range(3):
        shopper = app.test_client()
        shopper_orders.append(place(shopper, (make_product(name=f"Lamp {n}"), 1)))
    smtp_sink.stop()
    for order in shopper_orders:
        fulfil("ship", order, None, None, fulfil.processor, fulfil.carrier, TRACKING)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        runner.invoke(args=["worker", "--once"])
    assert smtp_sink.count() == 0
    assert OutboxMessage.select().where(OutboxMessage.status == OutboxMessage.PENDING) \
        .count() == 6
    smtp_sink.start()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        runner.invoke(args=["worker", "--once"])
        runner.invoke(args=["worker", "--once"])  # nothing left: nothing sent twice
    subjects = sorted(message["Subject"] for message in smtp_sink.messages())
    assert subjects == sorted([f"Order {o.number} has shipped" for o in shopper_orders]
                              + [f"Tracking number for order {o.number}"
                                 for o in shopper_orders])


def test_a_stale_copy_of_the_payment_never_leads_to_a_second_capture(app, client, db, fulfil):
    lamp = make_product(name="Brass Lamp", price_cents=10000)
    add_to_cart(client, lamp)
    buy_gift_card(client, 5000)
    assert checkout(client).status_code == 302
    order = Order.get()
    assert processor_state(fulfil, order) == ("partially_captured", 5000)  # the gift card
    Payment.update(captured_cents=0).execute()  # as if the capture's answer had been lost
    fulfil("change_line", order, lines(order)["Brass Lamp"].id, OrderLine.CANCELLED,
           fulfil.processor)
    assert processor_state(fulfil, order) == ("captured", 5000)  # settled on the truth


def test_an_order_left_unsettled_is_settled_by_the_sweep(app, runner, client, db, fulfil,
                                                         monkeypatch):
    from storefront.checkout import placing

    def staff_hold_the_order(order, processor):
        raise service.FulfilmentError("Someone is shipping or settling this order right now.")
    monkeypatch.setattr(placing.fulfilment, "collect_at_placing", staff_hold_the_order)
    buy_gift_card(client, 5000)
    fill_details(client, **GIFT_CARDS_ONLY)
    choose_payment(client)
    assert place_order(client).status_code == 302  # the order stands
    order = Order.get()
    assert processor_state(fulfil, order) == ("authorized", 0)
    monkeypatch.undo()
    assert service.unsettled() == [order]
    result = runner.invoke(args=["orders", "settle", "--all"])
    assert result.exit_code == 0, result.output
    assert f"{order.number} settled" in result.output
    assert processor_state(fulfil, order) == ("captured", 5000)
    assert service.unsettled() == []


def test_stock_taken_and_given_back_balances_for_a_reserved_line(client, db, fulfil):
    pendant = make_product(name="Copper Pendant", availability=Availability.ON_RESERVE,
                           stock=5)
    order = place(client, (pendant, 3))
    assert Product.get_by_id(pendant.id).stock == 5  # on reserve: nothing taken
    line = lines(order)["Copper Pendant"]
    fulfil("change_line", order, line.id, OrderLine.ALLOCATED, fulfil.processor)
    assert Product.get_by_id(pendant.id).stock == 2
    fulfil("change_line", order, line.id, OrderLine.CANCELLED, fulfil.processor)
    assert Product.get_by_id(pendant.id).stock == 5
