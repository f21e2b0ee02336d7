"""Several app servers on one PostgreSQL database (issue 10): two gunicorn instances, two mail
workers, the sandbox processor and a real SMTP server, all real processes spoken to over HTTP
and SMTP. Every shopper's steps alternate between the instances, as a load balancer without
sticky routing sends them.

It proves: a login made on one instance holds on the other; shoppers racing on both for the
last units never oversell; every successful place is an order and every ticked consent box a
ledger event; two workers racing on one outbox deliver every mail exactly once; login
throttling and the staff lockout count failures made on either instance; and the buffered
page-view and request logs, written at a graceful stop, lose nothing and fail no request.
"""
import os
import re
import threading
from collections import Counter

import pytest

from storefront.accounts import service as accounts
from storefront.accounts import staff as staff_accounts
from storefront.accounts import throttle
from storefront.accounts.models import LoginAttempt
from storefront.catalogue.models import Product
from storefront.fulfilment.models import Shipment
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING
from storefront.privacy.models import ConsentEvent
from storefront.tracking.models import PageView, RequestLog

from tests.factories import (APPROVED_CARD, CARD_EXPIRY, DETAILS, PASSWORD, STAFF_PASSWORD,
                             make_customer, make_product, make_staff)
from tests.mail.conftest import wait_until
from tests.ops.multi_server import (Browser, Cluster, Shopper, errors, field, fields,
                                    run_together, sign_in)

pytestmark = pytest.mark.skipif(
    not os.environ.get("STOREFRONT_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="several app servers share one PostgreSQL server: this runs under "
           "scripts/with-postgres (make test-postgres)")

SHOPPERS = 8
LAST_UNITS = 5  # fewer than the shoppers racing for them
PAYMENT = {"pay_with": "new", "number": APPROVED_CARD, "expiry": CARD_EXPIRY,
           "holder_name": "Gus Guest"}


@pytest.fixture
def records(db):
    """The shop the instances serve: a product with its last units, one with plenty, a
    customer who logs in on one instance and orders on the other, one whose password is
    guessed, a fulfilment user and a care user whose password is guessed."""
    found = {
        "scarce": make_product(name="Last Lamp", stock=LAST_UNITS),
        "plenty": make_product(name="Brass Lamp", stock=1000),
        "ada": make_customer(),
        "bob": make_customer(name="Bob Shopper", email="bob@example.com"),
        "packer": make_staff("fulfilment"),
        "care": make_staff("care"),
    }
    db.close()
    return found


@pytest.fixture
def cluster(records, database_url, processor, smtp_sink, tmp_path):
    """Shops A and B and two mail workers on the test database; the session's processor; the
    test's SMTP sink. The settings every instance must share: DATABASE_URL and SECRET_KEY."""
    env = {**os.environ, "DATABASE_URL": database_url, "PROCESSOR_URL": processor.url,
           "PROCESSOR_PUBLIC_KEY_FILE": str(processor.public_key_file),
           "SMTP_URL": smtp_sink.url}
    handle = Cluster(env, tmp_path)
    try:
        handle.worker("worker-1")
        handle.worker("worker-2")
        handle.shops = [handle.shop("A"), handle.shop("B")]
        yield handle
    finally:
        handle.stop_all()


def buy(shopper, product, quantity, details, ticked, before_placing=None):
    """Home, product page, add, cart, details with the ticked consent boxes, payment, review,
    place, each on the next instance: the place response, not checked."""
    shopper.get("/")
    page = shopper.get(f"/p/{product.slug}").text
    shopper.post("/cart/add", {"product_id": product.id, "quantity": quantity,
                               "csrf_token": field(page, "csrf_token")}, to="/cart/")
    shopper.get("/cart/")
    page = shopper.get("/checkout/").text
    shopper.post("/checkout/", {**details, **dict.fromkeys(ticked, "y"),
                                "csrf_token": field(page, "csrf_token")}, to="/checkout/payment")
    page = shopper.get("/checkout/payment").text
    shopper.post("/checkout/payment", {**PAYMENT, "csrf_token": field(page, "csrf_token")},
                 to="/checkout/review")
    page = shopper.get("/checkout/review").text
    form = {name: field(page, name) for name in ("csrf_token", "reviewed", "number")}
    if before_placing:
        before_placing()
    shop = shopper.next_shop()
    return shop, shopper.browser.post(shop, "/checkout/place", {**form, "cvv": "123"})


def placed_number(shopper, shop, response):
    """The order number of a successful place, after the confirmation page loaded."""
    assert response.status == 302 and response.location.startswith("/checkout/done/"), \
        (shop, response.status, errors(response.text))
    shopper.get(response.location)
    return response.location.rsplit("/", 1)[1]


def guest_ticks(index, round_):
    """The boxes a guest ticks: some tick one, some both, some none."""
    return [purpose for purpose, tick in ((SHOP_MARKETING, (index + round_) % 2 == 0),
                                          (PARTNER_OFFERS, index % 3 == 0)) if tick]


def test_two_app_servers_and_two_mail_workers_share_one_database(cluster, records, smtp_sink,
                                                                 db):
    shops, traffic = cluster.shops, cluster.traffic
    scarce, plenty = records["scarce"], records["plenty"]
    numbers, ticks = [], []  # orders placed; (address, purpose) of every box ticked
    lock = threading.Lock()

    # Ada signs in on A and orders on B: the cookie session needs no sticky routing.
    ada = Browser(traffic)
    response = sign_in(ada, shops[0], "/account/login", "ada@example.com", PASSWORD)
    assert response.status == 302, errors(response.text)
    on_b = Shopper(ada, shops[1:])
    assert "Ada Shopper" in on_b.get("/account/").text
    details = {k: v for k, v in DETAILS.items() if k != "email"}
    ada_number = placed_number(on_b, *buy(on_b, plenty, 1, details, [SHOP_MARKETING]))
    numbers.append(ada_number)
    ticks.append(("ada@example.com", SHOP_MARKETING))

    # Eight guests race for the last units: all reach the review page, then place together,
    # half on each instance; then each buys something plentiful, twice.
    barrier = threading.Barrier(SHOPPERS, timeout=120)
    race = Counter()

    def guest(index):
        for round_, product, quantity in ((0, scarce, 1), (1, plenty, 2), (2, plenty, 1)):
            shopper = Shopper(Browser(traffic), shops, start=index)  # a new guest each round
            email = f"guest{index}.round{round_}@example.com"
            ticked = guest_ticks(index, round_)
            shop, response = buy(shopper, product, quantity, {**DETAILS, "email": email},
                                 ticked, barrier.wait if round_ == 0 else None)
            with lock:
                ticks.extend((email, purpose) for purpose in ticked)
            if round_ == 0 and response.status == 400:
                assert "Last Lamp" in response.text, errors(response.text)
                with lock:
                    race["sold out"] += 1
                continue
            number = placed_number(shopper, shop, response)
            with lock:
                numbers.append(number)
                race["placed" if round_ == 0 else "plenty"] += 1

    run_together(SHOPPERS, guest, barrier)
    assert race == {"placed": LAST_UNITS, "sold out": SHOPPERS - LAST_UNITS, "plenty": 2 * SHOPPERS}

    # Failed sign-ins spread over both instances add up to one limit.
    bob = Browser(traffic)
    for attempt in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        response = sign_in(bob, shops[attempt % 2], "/account/login", "bob@example.com",
                           f"wrong guess {attempt}")
        assert response.status == 400 and accounts.LOGIN_REFUSED in response.text
    for shop in shops:  # now even the right password is refused, on either instance
        response = sign_in(bob, shop, "/account/login", "bob@example.com", PASSWORD)
        assert response.status == 400 and "Too many failed attempts" in response.text
    guesser = Browser(traffic)
    for attempt in range(staff_accounts.STAFF_LOCK_AFTER):
        response = sign_in(guesser, shops[attempt % 2], "/staff/login",
                           "care@staff.example.com", f"wrong staff guess {attempt}")
        assert response.status == 400 and accounts.LOGIN_REFUSED in response.text
    for shop in shops:
        response = sign_in(guesser, shop, "/staff/login", "care@staff.example.com",
                           STAFF_PASSWORD)
        assert response.status == 400 and staff_accounts.STAFF_LOCKED in response.text

    # Fulfilment signs in on B and ships every order, one instance after the other.
    packer = Shopper(Browser(traffic), shops)
    response = sign_in(packer.browser, shops[1], "/staff/login", "fulfilment@staff.example.com",
                       STAFF_PASSWORD)
    assert response.status == 302, errors(response.text)
    for number in numbers:
        page = packer.get(f"/staff/fulfilment/{number}").text
        packer.post(f"/staff/fulfilment/{number}/ship",
                    {"csrf_token": field(page, "csrf_token"), "line": fields(page, "line")},
                    to=f"/staff/fulfilment/{number}")

    # The workers empty the outbox; then everything stops as an operator stops it.
    unfinished = OutboxMessage.status.in_([OutboxMessage.PENDING, OutboxMessage.SENDING])
    wait_until(lambda: not OutboxMessage.select().where(unfinished).exists(), timeout=60,
               what="the outbox to empty")
    db.close()
    sent = [int(re.search(r"mail worker stopped: sent (\d+)", cluster.stop(name))[1])
            for name in ("worker-1", "worker-2")]
    logs = {shop.name: cluster.stop(shop.name) for shop in shops}

    # No request failed, and no server wrote a traceback or lost a log row.
    assert not [key for key, _ in traffic.requests.items() if key[2] >= 500]
    for name, log in logs.items():
        assert "Traceback" not in log and "log lost" not in log, (name, log[-3000:])

    # Every successful place is an order; the last units were sold, and not one more.
    assert sorted(o.number for o in Order.select()) == sorted(numbers)
    assert Order.get(Order.number == ada_number).customer_id == records["ada"].id
    sold = {product.id: sum(line.quantity for line in OrderLine.select().where(
        OrderLine.product == product.id)) for product in (scarce, plenty)}
    assert Product.get_by_id(scarce.id).stock == 0 and sold[scarce.id] == LAST_UNITS
    assert Product.get_by_id(plenty.id).stock == 1000 - sold[plenty.id] == 1000 - 1 - 3 * SHOPPERS

    # Every ticked box is one event in the consent ledger.
    events = ConsentEvent.select().where(ConsentEvent.channel == "checkout")
    assert sorted((e.email_key, e.purpose, e.given) for e in events) == \
        sorted((address, purpose, True) for address, purpose in ticks)

    # Every order shipped once; both workers delivered, every mail exactly once.
    assert Shipment.select().where(Shipment.status == Shipment.SHIPPED).count() == len(numbers)
    assert not OrderLine.select().where(OrderLine.status != OrderLine.SHIPPED).exists()
    outbox = list(OutboxMessage.select())
    assert {row.status for row in outbox} == {OutboxMessage.SENT}
    assert Counter(row.category for row in outbox) == {
        "shipment": len(numbers), "tracking": len(numbers),
        "consent_welcome": len({address for address, _ in ticks})}
    delivered = Counter(message["Message-ID"] for message in smtp_sink.messages())
    assert delivered == Counter(row.message_id for row in outbox)  # none twice, none missing
    assert sum(sent) == len(outbox) and min(sent) > 0, sent

    # Throttling and the lockout were counted once for both instances.
    failures = LoginAttempt.select().where(LoginAttempt.succeeded == False)  # noqa: E712
    assert Counter(a.realm for a in failures) == {"customer": throttle.MAX_FAILURES_PER_ACCOUNT,
                                                   "staff": staff_accounts.STAFF_LOCK_AFTER}

    # The buffered logs, written as each worker stopped, hold every request and page view.
    logged = Counter((r.method, r.path, r.status) for r in RequestLog.select()
                     if r.path != "/healthz")
    assert logged == traffic.requests
    assert Counter(view.path for view in PageView.select()) == traffic.page_views
    assert sum(traffic.page_views.values()) > 100
