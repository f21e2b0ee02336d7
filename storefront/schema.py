"""The schema changes only through numbered scripts in migrations/; this module runs them."""
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from storefront.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def all_models():
    """Every model of every domain, in dependency order."""
    from storefront.accounts.models import (AccountSession, Address, Customer, LoginAttempt,
                                            Phone, StaffUser)
    from storefront.cart.models import Cart, CartGiftCard, CartLine
    from storefront.catalogue.models import (Category, CategoryChange, Product, ProductChange,
                                             ProductImage, ProductWord)
    from storefront.fulfilment.models import Shipment, ShipmentLine
    from storefront.giftcards.models import GiftCard, GiftCardEntry
    from storefront.mail.models import OutboxMessage
    from storefront.marketing.models import (BoughtTogether, Campaign, CatalogueRequest,
                                             Contest, ContestDraw, ContestEntry, PromoCode,
                                             Promotion)
    from storefront.orders.models import Order, OrderAddress, OrderLine
    from storefront.partners.models import Partner
    from storefront.payments.models import Payment, PaymentAttempt, SavedCard
    from storefront.privacy.models import (AuditEvent, ConsentEvent, Disclosure, PolicyNotice,
                                           PolicyVersion)
    from storefront.support.models import CallNote, CareReply, Correspondence
    from storefront.tracking.models import Banner, PageView, RequestLog, Touch, Visitor

    return [Partner, Banner, Touch, Visitor, PageView, Category, Product, ProductWord,
            Customer, Address, Phone, StaffUser,
            AccountSession, LoginAttempt, Cart, CartLine, CartGiftCard, OutboxMessage,
            GiftCard, GiftCardEntry, Order, OrderAddress, OrderLine, SavedCard, Payment,
            PaymentAttempt, Shipment, ShipmentLine, PolicyVersion, PolicyNotice, ConsentEvent,
            Disclosure, AuditEvent, RequestLog, Correspondence, CatalogueRequest, Promotion,
            PromoCode, Contest, ContestEntry, ContestDraw, Campaign, BoughtTogether,
            CareReply, CallNote, ProductImage, ProductChange, CategoryChange]


def runner(database):
    """The migration runner for this project's migrations/ folder."""
    return Runner(database, str(MIGRATIONS_DIR))


def migrate(database):
    """Apply every pending migration; return the names applied."""
    return runner(database).up()


def pending_changes(database):
    """What the models have that the migrated database lacks (empty when they agree)."""
    return diff_models(database, all_models())
