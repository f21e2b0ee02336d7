"""The sandbox processor's JSON API: its own Flask app, knowing nothing of the shop's app."""
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, jsonify, request

from storefront.processor import issuer, keys
from storefront.processor.ledger import Ledger, Refusal

AUTHORIZATION_FIELDS = {"sealed_number", "exp_month", "exp_year", "amount_cents", "currency",
                        "order_reference", "billing_postal_code"}
OPTIONAL_AUTHORIZATION_FIELDS = {"cvv"}
CURRENCIES = {"USD"}
DECLINE_MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card has insufficient funds.",
    "expired_card": "The card has expired.",
    "incorrect_cvc": "The security code is incorrect.",
    "incorrect_number": "The card number is incorrect.",
}


def _body(required, optional=frozenset()):
    """The JSON object of the request, holding exactly these fields, or a 400 Refusal."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refusal(400, "invalid_request", "The body must be a JSON object.")
    unknown = sorted(set(body) - required - optional)
    missing = sorted(required - set(body))
    if unknown or missing:
        raise Refusal(400, "invalid_request", "; ".join(
            part for part in (unknown and f"unknown fields: {', '.join(unknown)}",
                              missing and f"missing fields: {', '.join(missing)}") if part))
    return body


def _integer(body, field, low, high):
    """A JSON integer within [low, high] (booleans are not integers here)."""
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Refusal(400, "invalid_request", f"{field} must be an integer from {low} to {high}.")
    return value


def _text(body, field, max_length, digits=False):
    """A non-empty printable ASCII string (only digits when asked)."""
    value = body[field]
    if not (isinstance(value, str) and value and len(value) <= max_length and value.isascii()
            and value.isprintable() and (value.isdigit() or not digits)):
        kind = "ASCII digits" if digits else "printable ASCII text"
        raise Refusal(400, "invalid_request", f"{field} must be {kind} of at most "
                                              f"{max_length} characters.")
    return value


def _authorization_json(row):
    """What an approval answers."""
    return {key: row[key] for key in ("id", "status", "amount_cents", "brand", "last_four")}


def _state_json(row):
    """What capture, void and refund answer."""
    return {key: row[key] for key in ("id", "status", "amount_cents", "captured_cents",
                                      "refunded_cents", "brand", "last_four")}


def create_app(keys_dir):
    """The sandbox processor for the key pair and SQLite file in keys_dir."""
    keys_dir = Path(keys_dir)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    private_key = keys.load_private_key(keys_dir)
    ledger = Ledger(keys_dir / "processor.db")

    @app.errorhandler(Refusal)
    def refused(refusal):
        """A refusal as JSON."""
        return jsonify(status="error", code=refusal.code, message=refusal.message), refusal.status

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_here(error):
        """Unknown paths and methods as JSON."""
        return jsonify(status="error", code="not_found", message=error.description), error.code

    @app.get("/health")
    def health():
        """Liveness, for the test fixture and for operators."""
        return jsonify(status="ok")

    @app.post("/v1/authorizations")
    def authorize():
        """Authorize an amount on a sealed card; idempotent per order reference."""
        body = _body(AUTHORIZATION_FIELDS, OPTIONAL_AUTHORIZATION_FIELDS)
        amount = _integer(body, "amount_cents", 1, 10**9)
        exp_month = _integer(body, "exp_month", 1, 12)
        exp_year = _integer(body, "exp_year", 1000, 9999)
        reference = _text(body, "order_reference", 64)
        _text(body, "billing_postal_code", 16)
        cvv = _text(body, "cvv", 4, digits=True) if "cvv" in body else None
        if body["currency"] not in CURRENCIES:
            raise Refusal(400, "invalid_request", "currency must be USD.")
        earlier = ledger.earlier(reference, amount, body["currency"])
        if earlier is not None:
            return jsonify(_authorization_json(earlier)), 200
        if not isinstance(body["sealed_number"], str):
            raise Refusal(400, "invalid_sealed_number", "sealed_number must be a string.")
        try:
            number = keys.unseal(body["sealed_number"], private_key)
        except keys.UnsealError as error:
            raise Refusal(400, "invalid_sealed_number", str(error)) from None
        decision = issuer.decide(number, exp_month, exp_year, cvv, datetime.now(UTC).date())
        if decision.outcome == "error":
            return jsonify(status="error", code=decision.code), 500
        if decision.outcome == "declined":
            return jsonify(status="declined", code=decision.code,
                           message=DECLINE_MESSAGES[decision.code]), 402
        row, created = ledger.authorize(reference, amount, body["currency"], decision.brand,
                                        number[-4:])
        return jsonify(_authorization_json(row)), 201 if created else 200

    @app.get("/v1/authorizations/<authorization_id>")
    def state(authorization_id):
        """Where an authorization stands: what was captured and refunded."""
        return jsonify(_state_json(ledger.state(authorization_id)))

    @app.post("/v1/authorizations/<authorization_id>/capture")
    def capture(authorization_id):
        """Capture part of the authorized amount; a reference makes a repeat harmless."""
        body = _body({"amount_cents"}, {"reference"})
        reference = body.get("reference")
        if reference is not None and not (isinstance(reference, str) and 0 < len(reference)
                                          <= 64):
            raise Refusal(400, "invalid_request", "reference must be a short text.")
        return jsonify(_state_json(ledger.capture(
            authorization_id, _integer(body, "amount_cents", 1, 10**9), reference)))

    @app.post("/v1/authorizations/<authorization_id>/void")
    def void(authorization_id):
        """Release what was not captured (all of it before any capture)."""
        return jsonify(_state_json(ledger.void(authorization_id)))

    @app.post("/v1/authorizations/<authorization_id>/refund")
    def refund(authorization_id):
        """Refund up to what was captured and not yet refunded."""
        body = _body({"amount_cents"})
        return jsonify(_state_json(ledger.refund(
            authorization_id, _integer(body, "amount_cents", 1, 10**9))))

    @app.post("/v1/voids")
    def void_reference():
        """Void whatever an order reference authorized (the shop gave up waiting for it)."""
        body = _body({"order_reference"})
        voided = ledger.void_reference(_text(body, "order_reference", 64))
        return jsonify(status="ok", voided=voided)

    return app
