"""Deleting an account at its holder's request.

What is erased and what is kept follows the inventory's subject links (PLAN names every
linked model; a test keeps the two in step). Orders stay, because the law keeps the record
of a sale, but without who placed them: of their addresses only the region and country stay,
which the tax records need. The consent history and the audit log stay as proof, naming the
address by a one-way hash. What is tied only to the address and not to the account (orders
placed as a guest, say) is not touched: an account does not prove its address is its
holder's. An address given with one of the account's own orders is the holder's, though: the
mail about those orders sent to it and the audit events naming it are forgotten as the
account's own are.
"""
import hashlib

from peewee import Case

from storefront.accounts import service as accounts
from storefront.accounts import throttle
from storefront.accounts.models import AccountSession, Address, Customer, LoginAttempt, Phone
from storefront.cart.models import Cart
from storefront.db import database
from storefront.giftcards.models import GiftCard
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderAddress
from storefront.payments.models import SavedCard
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent, ConsentEvent, Disclosure, PolicyNotice
from storefront.support.models import CallNote, Correspondence

ERASED_NAME = "Deleted customer"
WRONG_PASSWORD = "Your password is not right."
UNUSABLE_PASSWORD = "!"  # no hash: no password matches it

# Every model the inventory ties to a person, and what deleting the account does to its rows.
PLAN = {
    "Customer": "kept as a placeholder: name, email address and password replaced",
    "Address": "deleted",
    "Phone": "deleted",
    "SavedCard": "deleted (the sealed number with it)",
    "Cart": "deleted, with its lines and gift cards",
    "CartLine": "deleted with the cart",
    "CartGiftCard": "deleted with the cart",
    "AccountSession": "deleted: every browser is signed out",
    "LoginAttempt": "deleted",
    "Order": "kept as the record of a sale: email, phone, IP and card digits blanked",
    "OrderAddress": "kept for tax: only region and country stay",
    "OrderLine": "kept: what was sold, at what price",
    "Shipment": "kept: what left, with the carrier's tracking number",
    "Payment": "kept: what was authorised and charged",
    "PaymentAttempt": "kept: what was asked of the payment company",
    "GiftCard": "kept for its recipient: the buyer's name and message blanked",
    "GiftCardEntry": "kept: the card's balance",
    "OutboxMessage": "kept as a record that mail was sent: address and text forgotten, "
                     "mail not yet sent withheld; this also for mail about the account's "
                     "orders to an address given with one of them",
    "Correspondence": "deleted",
    "CareReply": "deleted with the message it answers",
    "CallNote": "deleted, those on the account and those on its orders",
    "ConsentEvent": "kept as proof: the address replaced by a hash, the IP forgotten",
    "PolicyNotice": "kept as proof the person was told: the address replaced by a hash",
    "AuditEvent": "kept: the address replaced by a hash, also in events that name no "
                  "account but an address given with one of the account's orders",
    "Disclosure": "kept: the address replaced by a hash",
    "Touch": "kept: how someone arrived, which names no one",
    "CatalogueRequest": "kept: tied only to an address, which an account does not prove is "
                        "its holder's; it follows its own retention",
    "ContestEntry": "kept: tied only to an address, which an account does not prove is its "
                    "holder's; it follows its own retention",
}


class ErasureRefused(Exception):
    """The account cannot be deleted as asked: errors maps form fields to messages (None: the
    form as a whole)."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def open_orders(customer):
    """The numbers of the account's orders not yet settled (lines waiting, or the payment)."""
    return [order.number for order in Order.select(Order.number).where(
        Order.customer == customer, Order.settled_at.is_null()).order_by(Order.placed_at)]


def delete_account(customer, password, ip, secret, now):
    """My Account → Delete my account: erase it once the password is right (a wrong one
    counts as a failed sign-in, so a stolen session cannot guess it) and no order of the
    account is still open. ErasureRefused otherwise."""
    waiting = open_orders(customer)
    if waiting:
        raise ErasureRefused({None: (
            f"Your account has orders that are still open ({', '.join(waiting)}). We need your "
            "address to deliver them and your email address to tell you about them, so your "
            "account can be deleted once they are delivered or cancelled.")})
    try:
        accounts.authenticate_customer(customer.email, password, ip, secret)
    except accounts.LoginRefused as error:
        message = WRONG_PASSWORD if str(error) == accounts.LOGIN_REFUSED else str(error)
        raise ErasureRefused({"password": message}) from None
    erase_account(customer, now, secret)


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _mail_to(numbers, keys):
    """The ids of the mail about these orders sent to one of these addresses (email keys)."""
    return [row.id for row in OutboxMessage.select(OutboxMessage.id, OutboxMessage.recipient)
            .where(OutboxMessage.order_number.in_(numbers)) if row.recipient.lower() in keys]


def erase_account(customer, now, secret):
    """Erase or anonymise everything tied to the account, in one transaction (see PLAN)."""
    key = customer.email_key
    digest = _digest(key)
    placeholder = f"deleted-{customer.id}@invalid"
    orders = Order.select(Order.id).where(Order.customer == customer)
    numbers = Order.select(Order.number).where(Order.customer == customer)
    with database.atomic():
        waiting = open_orders(customer)  # again, inside the transaction: one placed meanwhile
        if waiting:
            raise ErasureRefused({None: "An order was placed on the account while it was "
                                        "being deleted; it can be deleted once the order is "
                                        "delivered or cancelled."})
        given = {accounts.email_key(row.email) for row in
                 Order.select(Order.email).where(Order.customer == customer)}
        OrderAddress.update(name="", line1="", line2="", city="", postal_code="") \
            .where(OrderAddress.order.in_(orders)).execute()
        GiftCard.update(sender_name="", message="") \
            .where(GiftCard.order_number.in_(numbers)).execute()
        Order.update(email=placeholder, phone="", ip="", card_first_digit="",
                     card_last_four="").where(Order.customer == customer).execute()
        OutboxMessage.update(
            recipient=placeholder, body_text="", body_html="", unsubscribe_url="",
            last_error="", status=Case(None, [(OutboxMessage.status == OutboxMessage.PENDING,
                                               OutboxMessage.WITHHELD)], OutboxMessage.status)
        ).where((OutboxMessage.customer_id == customer.id)
                | OutboxMessage.id.in_(_mail_to(numbers, given))).execute()
        # Mail about the person's orders to someone else (a gift card's recipient) keeps its
        # address, which is the recipient's, but loses the text and the subject naming them.
        OutboxMessage.update(
            subject="(forgotten: its sender deleted their account)", body_text="",
            body_html=""
        ).where(OutboxMessage.order_number.in_(numbers)
                & (OutboxMessage.customer_id.is_null())
                # unsent, it still carries a gift card's code to its recipient
                & (OutboxMessage.status.not_in([OutboxMessage.PENDING,
                                                OutboxMessage.SENDING]))).execute()
        for model in (Address, Phone, SavedCard, Cart, AccountSession, Correspondence):
            model.delete().where(model.customer == customer).execute()
        CallNote.delete().where((CallNote.customer == customer)
                                | CallNote.order.in_(orders)).execute()
        LoginAttempt.delete().where(
            LoginAttempt.realm == "customer",
            LoginAttempt.subject == throttle.subject_key(secret, "customer", key)).execute()
        for model in (ConsentEvent, AuditEvent, Disclosure, PolicyNotice):
            model.pseudonymise(customer.id, key, digest)
        for address in given:
            AuditEvent.pseudonymise_address(address, _digest(address))
        Customer.update(name=ERASED_NAME, email=placeholder, email_key=f"deleted-{customer.id}",
                        password_hash=UNUSABLE_PASSWORD, erased_at=now) \
            .where(Customer.id == customer.id).execute()
        audit.record(AuditEvent.ERASED, "account deleted by its holder", staff_id=None,
                     customer_id=customer.id)
