"""`storefront privacy purge` (P8): request-log IPs and rows, sign-in attempts and expired
sessions go after their retention; an order keeps its IP, a cart until it is idle."""
from datetime import datetime, timedelta

import pytest
import time_machine

from storefront.accounts.models import AccountSession, LoginAttempt
from storefront.cart.models import Cart
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.privacy import retention
from storefront.tracking.models import RequestLog

from tests.factories import address, make_customer, make_product, make_staff

NOW = datetime(2026, 6, 1, 12, 0)


def days_ago(days, hours=0, minutes=0):
    return NOW - timedelta(days=days, hours=hours, minutes=minutes)


def log_row(days, ip="203.0.113.7"):
    return RequestLog.create(at=days_ago(days), ip=ip, method="GET", path=f"/day-{days}",
                             status=404, duration_ms=3, visitor="v1")


def purge(runner):
    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def test_request_log_ips_go_after_90_days_and_rows_after_365(runner, db):
    for days in (89, 91, 364, 366):
        log_row(days)
    log_row(95, ip="")  # an address that was not one: nothing to empty
    output = purge(runner)
    assert "request log: 2 IPs emptied, 1 row deleted" in output
    rows = {row.path: row.ip for row in RequestLog.select()}
    assert rows == {"/day-89": "203.0.113.7", "/day-91": None, "/day-364": None, "/day-95": ""}
    assert RequestLog.get(RequestLog.path == "/day-91").status == 404  # the rest stays
    assert "request log: 0 IPs emptied, 0 rows deleted" in purge(runner)


def test_the_retention_comes_from_the_configuration(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_IP_DAYS", 7)
    monkeypatch.setitem(app.config, "REQUEST_LOG_DAYS", 30)
    for days in (6, 8, 29, 31):
        log_row(days)
    assert "2 IPs emptied, 1 row deleted" in purge(runner)
    assert {row.path: row.ip for row in RequestLog.select()} == {
        "/day-6": "203.0.113.7", "/day-8": None, "/day-29": None}


def test_a_negative_retention_is_refused_and_nothing_is_purged(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "REQUEST_LOG_DAYS", -1)
    log_row(1)
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code != 0 and "0 or more" in result.output
    assert RequestLog.get().ip == "203.0.113.7"
    with pytest.raises(ValueError):
        retention.purge_request_log(NOW, -1, 365)


def test_sign_in_attempts_go_after_30_days(runner, db):
    for days in (29, 31):
        LoginAttempt.create(realm="customer", subject=f"s{days}", ip="203.0.113.7",
                            succeeded=False, at=days_ago(days))
    assert "sign-in attempts: 1 deleted" in purge(runner)
    assert [a.subject for a in LoginAttempt.select()] == ["s29"]


def test_expired_sessions_go_with_their_ip_and_live_ones_stay(runner, db):
    customer = make_customer()
    staff = make_staff("care")

    def session(name, last_seen, created_at=None, **owner):
        AccountSession.create(token_hash=name, ip="203.0.113.7", last_seen=last_seen,
                              created_at=created_at or last_seen, **owner)

    session("staff-idle-10-minutes", days_ago(0, minutes=10), staff=staff)
    session("staff-idle-20-minutes", days_ago(0, minutes=20), staff=staff)
    session("customer-idle-11-hours", days_ago(0, hours=11), customer=customer)
    session("customer-idle-13-hours", days_ago(0, hours=13), customer=customer)
    session("remembered-29-days", days_ago(0, hours=1), days_ago(29), customer=customer,
            remembered=True)
    session("remembered-31-days", days_ago(0, hours=1), days_ago(31), customer=customer,
            remembered=True)
    assert "expired sessions: 3 deleted" in purge(runner)
    assert sorted(s.token_hash for s in AccountSession.select()) == [
        "customer-idle-11-hours", "remembered-29-days", "staff-idle-10-minutes"]


def test_an_order_keeps_its_ip_and_a_cart_forgets_it_once_idle(runner, db):
    customer = make_customer()
    with time_machine.travel(days_ago(400), tick=False):
        order, _ = orders.record_order(
            "KEEP-2345", customer, customer.email, "", address(), address(), "standard", 595,
            [orders.LineRequest(make_product(), 1)], [], "203.0.113.7")
        Cart.create(visitor="idle", ip="198.51.100.2")
    with time_machine.travel(days_ago(89), tick=False):
        Cart.create(visitor="recent", ip="198.51.100.3")
    log_row(400)
    output = purge(runner)
    assert "1 row deleted" in output and "idle carts: 1 IP emptied" in output
    assert Order.get_by_id(order.id).ip == "203.0.113.7"
    assert {cart.visitor: cart.ip for cart in Cart.select()} == {"idle": "",
                                                                 "recent": "198.51.100.3"}
