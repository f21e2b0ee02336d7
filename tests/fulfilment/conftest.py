"""The fulfilment service run with the real sandbox processor and a carrier that keeps what
it was sent."""
import pytest

from storefront.fulfilment import service
from storefront.fulfilment.carrier import SandboxCarrier
from storefront.payments.gateway import ProcessorClient


class RecordingCarrier(SandboxCarrier):
    """The sandbox carrier, keeping what it was sent (a test double)."""

    def __init__(self, fail=False):
        super().__init__()
        self.requests, self.cancelled, self.fail = [], [], fail

    def create_shipment(self, request, reference):
        if self.fail:
            raise ConnectionError("the carrier is down")
        number = super().create_shipment(request, reference)
        self.requests.append(request)
        return number

    def cancel_shipment(self, tracking_number):
        self.cancelled.append(tracking_number)


@pytest.fixture
def fulfil(app, processor):
    """Run a fulfilment service function inside an app context with the real processor."""
    carrier = RecordingCarrier()

    def run(name, *args, **kwargs):
        with app.test_request_context():
            return getattr(service, name)(*args, **kwargs)
    run.processor = ProcessorClient(processor.url)
    run.carrier = carrier
    run.processor_handle = processor
    return run
