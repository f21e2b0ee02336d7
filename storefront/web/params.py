"""Reading the request strictly: bad values end in a 400, never a 500."""
import ipaddress
import re

from flask import abort, request

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(raw):
    """An ASCII whole number of at most 9 digits as an int, else None ('²' and '①' are not)."""
    text = "" if raw is None else str(raw)
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def int_arg(name, default, low, high):
    """An integer query parameter within [low, high]; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw)
    if value is None:
        abort(400, f"The parameter '{name}' must be a whole number.")
    if not low <= value <= high:
        abort(400, f"The parameter '{name}' must be between {low} and {high}.")
    return value


def choice_arg(name, choices, default):
    """A query parameter that must be one of choices; anything else is a 400."""
    raw = request.args.get(name) or default
    if raw not in choices:
        abort(400, f"The parameter '{name}' must be one of: {', '.join(choices)}.")
    return raw


def text_arg(name, max_length):
    """A free-text query parameter, stripped; longer than max_length is a 400."""
    raw = (request.args.get(name) or "").strip()
    if len(raw) > max_length:
        abort(400, f"The parameter '{name}' is too long (at most {max_length} characters).")
    return raw


def client_ip():
    """The client's IP address as text, or '' when what the server saw is not an address."""
    try:
        return str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return ""
