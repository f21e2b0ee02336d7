"""Every marketing views module, so that their routes are on the blueprints at start-up."""
from storefront.marketing import (campaign_views, catalogue_views,  # noqa: F401
                                  contest_views, promotion_views)
from storefront.marketing.blueprints import public, staff

__all__ = ["public", "staff"]
