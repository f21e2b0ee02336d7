"""Reading query-string parameters strictly: bad values end in a 400, never a 500."""
from flask import abort, request


def int_arg(name, default, low, high):
    """An integer query parameter within [low, high]; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        abort(400, f"The parameter '{name}' must be a whole number.")
    value = int(raw)
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
