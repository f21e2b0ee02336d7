"""Everything the shop holds about one person, gathered through the data inventory."""


def person_data(customer_id=None, address=""):
    """A JSON-ready dict of every inventory item's rows for the account and/or address."""
    raise NotImplementedError("being built")
