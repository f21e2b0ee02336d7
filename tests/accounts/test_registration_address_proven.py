"""Registering with an address proven by a signed link mailed to it (an invitation to open an
account for an order): the registration IP throttle, which stops probing for taken emails,
neither refuses it nor counts it, so shoppers behind a busy IP are not blocked by a prober.
Without the proof the throttle applies as before."""
import pytest

from storefront.accounts import service as accounts
from storefront.accounts.models import Customer, LoginAttempt
from storefront.accounts.throttle import MAX_FAILURES_PER_IP
from storefront.checkout import service as checkout_service
from storefront.orders.models import Order
from tests.factories import PASSWORD, add_to_cart, checkout, make_customer, make_product

IP = "203.0.113.9"


def failures():
    return LoginAttempt.select().where(LoginAttempt.realm == "register",
                                       LoginAttempt.succeeded == False).count()  # noqa: E712


@pytest.fixture
def throttled(db):
    """An IP that tried MAX_FAILURES_PER_IP taken emails."""
    make_customer(email="taken@example.com")
    for _ in range(MAX_FAILURES_PER_IP):
        with pytest.raises(accounts.AccountError):
            make_customer(email="taken@example.com", ip=IP)
    assert failures() == MAX_FAILURES_PER_IP


def test_a_throttled_ip_is_refused_without_the_proof(throttled):
    with pytest.raises(accounts.AccountError, match="Too many failed attempts"):
        make_customer(email="new@example.com", ip=IP)
    assert not Customer.select().where(Customer.email_key == "new@example.com").exists()


def test_a_proven_address_registers_from_a_throttled_ip(throttled):
    customer = make_customer(email="new@example.com", ip=IP, address_proven=True)
    assert Customer.get_by_id(customer.id).email_key == "new@example.com"
    assert failures() == MAX_FAILURES_PER_IP


def test_a_taken_proven_address_is_refused_and_not_counted(db):
    make_customer(email="taken@example.com")
    with pytest.raises(accounts.AccountError, match="already exists"):
        make_customer(email="Taken@Example.com", ip=IP, address_proven=True)
    assert failures() == 0
    with pytest.raises(accounts.AccountError, match="already exists"):
        make_customer(email="Taken@Example.com", ip=IP)
    assert failures() == 1


def test_an_account_opened_from_an_order_by_its_proven_address_passes_the_throttle(
        app, client, processor, throttled):
    add_to_cart(client, make_product())
    assert checkout(client).status_code == 302
    order = Order.get()
    with app.test_request_context():
        with pytest.raises(accounts.AccountError, match="Too many failed attempts"):
            checkout_service.open_account_from_order(order, PASSWORD, IP)
        customer = checkout_service.open_account_from_order(order, PASSWORD, IP,
                                                            address_proven=True)
    assert Order.get_by_id(order.id).customer_id == customer.id
