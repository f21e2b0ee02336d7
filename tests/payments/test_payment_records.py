"""An order's authorization captured at shipment, voided or refunded, against the sandbox."""
import pytest

from storefront.payments import gateway, service
from storefront.payments.models import Payment

from tests.factories import add_to_cart, checkout, make_product


@pytest.fixture
def paid_order(client, db, processor):
    add_to_cart(client, make_product(name="Brass Lamp", price_cents=4000), 2)
    assert checkout(client).status_code == 302
    return Payment.get(), gateway.ProcessorClient(processor.url)


def test_shipment_captures_and_a_returned_line_is_refunded(paid_order):
    payment, processor = paid_order
    assert payment.amount_cents == 8000  # standard shipping is free from $75
    service.capture(processor, payment.order_number, 8000)
    assert Payment.get().status == Payment.CAPTURED and Payment.get().captured_cents == 8000
    service.refund(processor, payment.order_number, 4000)
    assert Payment.get().refunded_cents == 4000
    assert Payment.get().status == Payment.PARTIALLY_REFUNDED
    with pytest.raises(gateway.PaymentError):
        service.refund(processor, payment.order_number, 5000)  # more than is left
    service.refund(processor, payment.order_number, 4000)
    assert Payment.get().status == Payment.REFUNDED


def test_a_cancelled_order_is_voided_and_cannot_be_captured_after(paid_order):
    payment, processor = paid_order
    service.void(processor, payment.order_number)
    assert Payment.get().status == Payment.VOIDED
    with pytest.raises(gateway.PaymentError):
        service.capture(processor, payment.order_number, 100)
    assert Payment.get().status == Payment.VOIDED
