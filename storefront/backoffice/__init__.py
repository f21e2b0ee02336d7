"""The merchant's back office (/staff/…): the catalogue, stock and images, bulk import, partners
and banners. A top layer, like the care console: built on the domains' services, imported by
nothing."""
