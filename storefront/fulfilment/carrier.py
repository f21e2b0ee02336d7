"""The carrier adapter (P13): what the carrier receives is built by one function.

The sandbox carrier stands in for a real one (FedEx-style 12-digit tracking numbers). A real
adapter implements the same `create_shipment(request) -> tracking number`.
"""
import secrets

SANDBOX = "sandbox"
PARCEL_LIMIT_GRAMS = 20_000  # heavier orders go in several parcels

# What each part of shipment_request() carries, by its data-inventory names
# (privacy/inventory.py); () carries nothing personal. Tests check the inventory lets the
# carrier have every one.
SHIPMENT_FIELDS = {
    "recipient_name": ("PostalAddress.name",),
    "address.line1": ("PostalAddress.line1",),
    "address.line2": ("PostalAddress.line2",),
    "address.city": ("PostalAddress.city",),
    "address.region": ("PostalAddress.region",),
    "address.postal_code": ("PostalAddress.postal_code",),
    "address.country": ("PostalAddress.country",),
    "phone": ("Order.phone",),
    "weight_grams": (),
    "parcel_count": (),
}


def shipment_request(address, phone, weight_grams):
    """Everything the carrier receives for a shipment, and nothing else: the recipient's
    name, the shipping address, a phone number, the weight and the number of parcels (no
    email, no billing address, no card, no order contents)."""
    return {
        "recipient_name": address.name,
        "address": {"line1": address.line1, "line2": address.line2, "city": address.city,
                    "region": address.region, "postal_code": address.postal_code,
                    "country": address.country},
        "phone": phone,
        "weight_grams": weight_grams,
        "parcel_count": max(1, -(-weight_grams // PARCEL_LIMIT_GRAMS)),
    }


class SandboxCarrier:
    """A carrier that accepts every well-formed request and invents a tracking number. It keeps
    nothing personal of what it is sent, only which reference got which number."""

    name = SANDBOX
    FIELDS = {"recipient_name", "address", "phone", "weight_grams", "parcel_count"}

    def __init__(self):
        self._numbers = {}  # idempotency: reference -> tracking number

    def create_shipment(self, request, reference):
        """A 12-digit tracking number for the request (ValueError on an unexpected field).
        The same reference again gets the same number: asking twice makes one label."""
        if set(request) != self.FIELDS:
            raise ValueError(f"unexpected shipment fields: {sorted(set(request) ^ self.FIELDS)}")
        if reference not in self._numbers:
            self._numbers[reference] = "".join(secrets.choice("0123456789") for _ in range(12))
        return self._numbers[reference]

    def cancel_shipment(self, tracking_number):
        """Withdraw a shipment that will not leave after all (the capture was refused)."""


def carrier_for(app):
    """The app's carrier adapter: the sandbox one (a real adapter would be chosen here)."""
    return app.extensions.setdefault("carrier", SandboxCarrier())


def tracking_url(template, tracking_number):
    """The carrier's tracking page for a number, from the configured URL template."""
    return template.format(tracking_number=tracking_number)
