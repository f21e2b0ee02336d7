"""The shop's client of the payment company: JSON over HTTP, with timeouts (P13).

`authorization_request` is the one place that builds what leaves for the processor.
An authorization whose answer never came (a timeout, a dropped connection) may still have
happened, so `authorize` then voids whatever the order reference authorized, and that
reference is spent: the next attempt needs a new one (the processor refuses a voided
reference, even one voided before its authorization arrived).
"""
import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from storefront.payments.signals import processor_failed

log = logging.getLogger(__name__)


class PaymentError(Exception):
    """A payment that did not go through; `customer_message` may be shown to the shopper."""

    customer_message = ("We could not take this payment, and nothing was charged. "
                        "Please try again or use another card.")

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class PaymentDeclined(PaymentError):
    """The card issuer said no; `code` says why."""

    MESSAGES = {
        "card_declined": "Your card was declined. Please use another card.",
        "insufficient_funds": "Your card was declined for insufficient funds. "
                              "Please use another card.",
        "expired_card": "Your card has expired. Please use another card.",
        "incorrect_cvc": "The security code is incorrect. Please check the code on your card "
                         "and try again.",
        "incorrect_number": "The card number is incorrect. Please check it and try again.",
    }

    def __init__(self, code):
        super().__init__(f"declined: {code}", code)
        self.customer_message = self.MESSAGES.get(code, self.MESSAGES["card_declined"])


class ProcessorUnavailable(PaymentError):
    """No usable answer from the payment company: refused, timed out, 5xx or malformed."""

    customer_message = ("We could not reach our payment company, so nothing was charged. "
                        "Please try again in a few minutes.")


class OutcomeUnconfirmed(ProcessorUnavailable):
    """An authorization may have happened and could not be voided: no order, but maybe a hold."""

    customer_message = ("We could not confirm your payment with our payment company, so no "
                        "order was placed. If your bank shows a pending amount for it, it is "
                        "released without being charged. Please try again in a few minutes.")


# What each key of authorization_request() carries, by its data-inventory names
# (privacy/inventory.py); () carries nothing personal. Tests check the inventory lets the
# processor have every one.
AUTHORIZATION_FIELDS = {
    "sealed_number": ("SavedCard.sealed",),
    "exp_month": ("SavedCard.exp_month",),
    "exp_year": ("SavedCard.exp_year",),
    "amount_cents": ("Order.card_cents",),
    "currency": (),
    "order_reference": ("Order.number",),
    "billing_postal_code": ("PostalAddress.postal_code",),
    "cvv": ("card security code",),
}


def authorization_request(sealed_card_token, exp_month, exp_year, amount_cents,
                          order_reference, billing_postal_code, cvv=None, currency="USD"):
    """Everything the processor receives to authorize a payment, and nothing else."""
    payload = {
        "sealed_number": sealed_card_token,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "amount_cents": amount_cents,
        "currency": currency,
        "order_reference": order_reference,
        "billing_postal_code": billing_postal_code,
    }
    if cvv is not None:
        payload["cvv"] = cvv
    return payload


@dataclass(frozen=True)
class Authorization:
    """An approved authorization, as the shop records it."""

    id: str
    amount_cents: int
    brand: str
    last_four: str


@dataclass(frozen=True)
class AuthorizationState:
    """An authorization after a capture, void or refund."""

    id: str
    status: str
    amount_cents: int
    captured_cents: int
    refunded_cents: int


class _OutcomeUnknown(ProcessorUnavailable):
    """The request went out but no answer came back (timeout, dropped connection)."""


def _quoted(authorization_id):
    """An id made safe as one path segment."""
    return urllib.parse.quote(str(authorization_id), safe="")


class ProcessorClient:
    """Calls to the payment company at base_url; every call has a timeout."""

    def __init__(self, base_url, timeout=5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _post(self, path, payload, method="POST"):
        """(status, JSON object) of a POST (or a GET without payload), or ProcessorUnavailable,
        announced as a failure (processor_failed)."""
        try:
            return self._exchange(path, payload, method)
        except ProcessorUnavailable:
            self._failed("unavailable")
            raise

    def _failed(self, kind):
        """Tell whoever listens (the operators' metrics) that a call failed."""
        processor_failed.send(self, kind=kind)

    def _exchange(self, path, payload, method):
        request = urllib.request.Request(
            self.base_url + path, method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        except urllib.error.URLError as error:
            # urllib wraps what fails while connecting and sending; only a timeout there
            # leaves the processor possibly holding the request.
            if isinstance(error.reason, TimeoutError):
                raise _OutcomeUnknown(f"{path}: no answer within {self.timeout}s") from None
            raise ProcessorUnavailable(f"{path}: {error.reason}") from None
        except TimeoutError:
            raise _OutcomeUnknown(f"{path}: no answer within {self.timeout}s") from None
        except (OSError, http.client.HTTPException) as error:
            raise _OutcomeUnknown(f"{path}: the connection broke: {error!r}") from None
        if status >= 500:
            raise ProcessorUnavailable(f"{path} answered {status}")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProcessorUnavailable(f"{path} answered {status} with a body that is not JSON")
        return status, body

    def _state(self, path, payload, method="POST"):
        """The authorization's state after a capture, void or refund (or as it stands)."""
        status, body = self._post(path, payload, method)
        if status != 200:
            self._failed("refused")
            raise PaymentError(f"{path} refused ({status}): {body.get('message')}",
                               body.get("code"))
        try:
            return AuthorizationState(
                id=str(body["id"]), status=str(body["status"]),
                amount_cents=int(body["amount_cents"]),
                captured_cents=int(body["captured_cents"]),
                refunded_cents=int(body["refunded_cents"]))
        except (KeyError, TypeError, ValueError):
            self._failed("unavailable")
            raise ProcessorUnavailable(f"{path} answered without the authorization") from None

    def authorize(self, payload):
        """Authorize a payload from `authorization_request`; PaymentDeclined when declined."""
        try:
            status, body = self._post("/v1/authorizations", payload)
        except _OutcomeUnknown as error:
            if not self.void_reference(payload["order_reference"]):
                log.error("authorization for %s may be open: no answer, and the void failed",
                          payload["order_reference"])
                raise OutcomeUnconfirmed(str(error)) from None
            raise
        if status == 402:
            raise PaymentDeclined(str(body.get("code")))
        if status not in (200, 201):
            self._failed("refused")
            raise PaymentError(f"authorization refused ({status}): {body.get('message')}",
                               body.get("code"))
        try:
            return Authorization(id=str(body["id"]), amount_cents=int(body["amount_cents"]),
                                 brand=str(body["brand"]), last_four=str(body["last_four"]))
        except (KeyError, TypeError, ValueError):
            self._failed("unavailable")
            self.void_reference(payload["order_reference"])
            raise ProcessorUnavailable("the authorization answer was incomplete") from None

    def state(self, authorization_id):
        """Where the authorization stands (after an answer was lost, say)."""
        return self._state(f"/v1/authorizations/{_quoted(authorization_id)}", None, "GET")

    def capture(self, authorization_id, amount_cents, reference=None):
        """Capture part of an authorization; with a reference, asking again after a lost
        answer captures nothing more."""
        payload = {"amount_cents": amount_cents}
        if reference is not None:
            payload["reference"] = reference
        return self._state(f"/v1/authorizations/{_quoted(authorization_id)}/capture", payload)

    def void(self, authorization_id):
        """Release what was not captured (all of it before any capture)."""
        return self._state(f"/v1/authorizations/{_quoted(authorization_id)}/void", {})

    def refund(self, authorization_id, amount_cents):
        """Refund up to what was captured and not yet refunded."""
        return self._state(f"/v1/authorizations/{_quoted(authorization_id)}/refund",
                           {"amount_cents": amount_cents})

    def void_reference(self, order_reference):
        """Void whatever this order reference authorized; False when the processor is away."""
        try:
            status, _ = self._post("/v1/voids", {"order_reference": order_reference})
        except ProcessorUnavailable:
            return False
        return status == 200


def client_from_config(config):
    """The client for the processor the shop is configured with."""
    return ProcessorClient(config["PROCESSOR_URL"], config.get("PROCESSOR_TIMEOUT", 5.0))
