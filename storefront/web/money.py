"""Money is integer cents everywhere; this turns it into text for templates."""


def format_money(cents, symbol="$"):
    """1234 -> '$12.34'; negative amounts keep their sign in front."""
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{fraction:02d}"
