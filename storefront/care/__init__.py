"""The Customer Care console (/care/…): the top layer, built on every domain's services.
Nothing imports it."""
