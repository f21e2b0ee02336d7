"""The data inventory: every personal field the shop keeps, in one declaration.

Each item is something a person can recognise ("Phone numbers"), with its category, why we
keep it, when we collect it, how long we keep it, which recipients may receive which of its
fields, and the model fields it covers, named "Model.field" by class name (privacy sits
below the domains and imports none of them; the tests resolve the names). A field declared
on a base class covers its subclasses: "PostalAddress.city" is Address.city and
OrderAddress.city. The /privacy page and the checks on every third-party payload (carrier,
payment company, partner exports) are derived from this declaration.

How a personal field is recognised (tests/privacy/test_inventory.py applies the rule to
every model and fails on any field it catches that is neither declared here nor in
NOT_PERSONAL):
  (a) its name holds one of PERSONAL_WORDS as a whole underscore-separated part
      ("email", "holder_name", "card_last_four", "body_text"...);
  (b) it points at a person or at a person's visit: a foreign key to one of PERSON_LINKS,
      or an integer or text column named customer_id, staff_id, *_by_id or visitor;
  (c) it is a TextField: free text can hold anything;
  (d) it is a column (other than the id) of a model that stands for a person
      (PERSON_MODELS): all of that row describes them.
A field the rule catches that holds nothing about a person (a product's name) goes in
NOT_PERSONAL with its reason. Every model is named somewhere, by its declared fields or in
NO_PERSONAL_DATA with a reason, so a new model cannot slip past unexamined.

SUBJECT_LINKS says how each model's rows are tied to one person (the data export and account
erasure follow it); a model whose rows cannot be is in UNLINKED with the reason.
"""
from dataclasses import dataclass, replace

PERSONAL_WORDS = (
    "email", "name", "phone", "number", "address", "line1", "line2", "city", "region",
    "postal", "zip", "country", "ip", "user_agent", "birth", "birthday", "age", "income",
    "gender", "card", "last_four", "first_digit", "expiry", "exp_month", "exp_year", "sealed",
    "brand", "holder", "body", "subject", "message", "note", "notes", "text", "comment",
    "password", "visitor", "recipient", "sender", "customer", "staff")
PERSON_LINKS = ("Customer", "StaffUser", "Visitor", "Touch")
PERSON_MODELS = ("Customer", "StaffUser", "Visitor")

CONTACT, ADDRESS, PAYMENT = "contact", "address", "payment"
DEMOGRAPHIC, TECHNICAL, CORRESPONDENCE = "demographic", "technical", "correspondence"
CATEGORIES = {
    CONTACT: "Who you are and how to reach you",
    ADDRESS: "Where you are",
    PAYMENT: "Orders and payments",
    DEMOGRAPHIC: "About you as a person: age, income and the like",
    TECHNICAL: "Your browser, your visits and signing in",
    CORRESPONDENCE: "What you write to us, and what we write to you",
}

# Who outside the shop may receive a field: only the fields an item's Share names.
PROCESSOR, CARRIER, PARTNER, LEGAL, AGGREGATE, MAIL_HOUSE = (
    "processor", "carrier", "partner", "legal", "aggregate", "mail_house")


@dataclass(frozen=True)
class Recipient:
    label: str
    short: str  # as it reads inside a sentence
    terms: str  # who they are and on what terms, for the privacy page


RECIPIENTS = {
    PROCESSOR: Recipient(
        "The payment company", "the payment company",
        "They authorise and collect card payments for us, and get only what a payment "
        "needs."),
    CARRIER: Recipient(
        "The carrier", "the carrier",
        "They deliver parcels, and get only what a delivery needs."),
    PARTNER: Recipient(
        "Co-brand partners", "co-brand partners",
        "The companies whose co-branded shops we run see, in their portal, a few details "
        "of the customers who opened their account in that partner's shop, and the orders "
        "placed there."),
    LEGAL: Recipient(
        "Authorities", "authorities (only when the law obliges us)",
        "Only when the law obliges us, such as a court order, after our legal staff have "
        "checked the demand, and only what it covers."),
    MAIL_HOUSE: Recipient(
        "The mail house", "the mail house",
        "They print and post our catalogue, and get only the name and postal address it "
        "goes to."),
    AGGREGATE: Recipient(
        "Reports that count, never name", "counts in reports (never names)",
        "Our staff, and partners for their own shop, see reports that count many people "
        "at once. No report names anyone, and a figure that would count fewer than "
        "{REPORT_MIN_CELL} people is withheld."),
}

# Settings the inventory's words may name as {NAME}, filled in from the app's config.
SETTINGS = ("PRIVACY_IP_DAYS", "REQUEST_LOG_DAYS", "VISITOR_COOKIE_DAYS", "REPORT_MIN_CELL",
            "CARE_EMAIL")


@dataclass(frozen=True)
class Share:
    """What one recipient may receive of an item: the fields named (all when none are)."""

    recipient: str
    what: str = ""  # in plain words, for the privacy page
    fields: tuple = ()


@dataclass(frozen=True)
class Item:
    """Something a person can recognise, and the model fields that hold it."""

    key: str
    label: str
    category: str
    collected: str
    purposes: tuple
    retention: str
    fields: tuple
    shares: tuple = ()
    unstored: tuple = ()  # what we pass to a recipient on its way through, never stored

    def names(self):
        """Every name the item covers: its model fields and what passes through unstored."""
        return self.fields + self.unstored

    def allows(self, recipient, name):
        """True when the item holds `name` and lets `recipient` have it."""
        return name in self.names() and any(
            share.recipient == recipient and (not share.fields or name in share.fields)
            for share in self.shares)


LEGAL_DEMAND = Share(LEGAL)
STREET = ("PostalAddress.name", "PostalAddress.line1", "PostalAddress.line2")
PLACE = ("PostalAddress.city", "PostalAddress.region", "PostalAddress.country")
CARD_SECURITY_CODE = "card security code"

ITEMS = (
    Item(
        "identity", "Your name and email address", CONTACT,
        collected="When you open an account, or give an email address at checkout.",
        purposes=("To run your account and sign you in.",
                  "To send what you ask for: order and shipping notices, answers from "
                  "Customer Care.",
                  "To send offers, only if you tick a box for them."),
        retention="While you have an account. The email address given with an order stays "
                  "with the order, until you delete the account the order was placed from.",
        fields=("Customer.name", "Customer.email", "Customer.email_key", "Customer.created_at",
                "Customer.erased_at", "Customer.personalized",
                "Order.email"),
        shares=(Share(PARTNER, "Your name, your email address and when you opened your "
                               "account, if you opened it in the partner's shop.",
                      ("Customer.name", "Customer.email", "Customer.created_at")),
                LEGAL_DEMAND)),
    Item(
        "password", "Your password, as an Argon2id hash we cannot reverse", TECHNICAL,
        collected="When you open an account or change your password.",
        purposes=("To check that it is you who signs in.",),
        retention="While you have an account; a new password replaces the old one.",
        fields=("Customer.password_hash",)),
    Item(
        "addresses", "Shipping and billing addresses", ADDRESS,
        collected="When you open an account, change it in My Account, or check out.",
        purposes=("To deliver your orders to the right place.",
                  "To let your card's bank check the billing postcode."),
        retention="On your account until you change them. The copy made for each order "
                  "stays with the order; if you delete your account, only the region and "
                  "country of its orders' addresses are kept, for our tax records.",
        fields=STREET + PLACE + ("PostalAddress.postal_code", "Address.customer"),
        shares=(Share(CARRIER, "The name and address a parcel goes to.",
                      STREET + PLACE + ("PostalAddress.postal_code",)),
                Share(PROCESSOR, "The billing postcode, for your card's bank to check.",
                      ("PostalAddress.postal_code",)),
                Share(PARTNER, "The town, region and country of your shipping address, if "
                               "you opened your account in the partner's shop.", PLACE),
                Share(AGGREGATE, "Customers and orders counted by region, postcode area or "
                                 "country.",
                      ("PostalAddress.region", "PostalAddress.postal_code",
                       "PostalAddress.country")),
                LEGAL_DEMAND)),
    Item(
        "catalogue_requests", "Catalogue requests: the name and postal address the printed "
                              "catalogue goes to, and an email address if you give one",
        ADDRESS,
        collected="When you ask for the printed catalogue.",
        purposes=("To post you the catalogue.",
                  "To mail you, only if you tick a box for it."),
        retention="Until the catalogue is posted and a year after.",
        fields=("CatalogueRequest.name", "CatalogueRequest.line1", "CatalogueRequest.line2",
                "CatalogueRequest.city", "CatalogueRequest.region",
                "CatalogueRequest.postal_code", "CatalogueRequest.country",
                "CatalogueRequest.email", "CatalogueRequest.address_key",
                "CatalogueRequest.requested_at", "CatalogueRequest.sent_at",
                "CatalogueRequest.ip"),
        shares=(Share(MAIL_HOUSE, "The name and postal address the catalogue goes to.",
                      ("CatalogueRequest.name", "CatalogueRequest.line1",
                       "CatalogueRequest.line2", "CatalogueRequest.city",
                       "CatalogueRequest.region", "CatalogueRequest.postal_code",
                       "CatalogueRequest.country")),
                LEGAL_DEMAND)),
    Item(
        "contests", "Contest entries: your email address and, if the contest asks, your zip "
                    "code, age band and income band; whether you won",
        DEMOGRAPHIC,
        collected="When you enter a contest.",
        purposes=("To run the contest and tell the winners.",
                  "To count entrants by zip code area, age and income band in reports that "
                  "never name anyone."),
        retention="A year after the contest ends.",
        fields=("ContestEntry.email", "ContestEntry.email_key", "ContestEntry.zip_code",
                "ContestEntry.age_band", "ContestEntry.income_band", "ContestEntry.entered_at",
                "ContestEntry.ip", "ContestDraw.eligible", "ContestDraw.winners"),
        shares=(Share(AGGREGATE, "Entrants counted by zip code area, age band and income "
                                 "band.",
                      ("ContestEntry.zip_code", "ContestEntry.age_band",
                       "ContestEntry.income_band")),
                LEGAL_DEMAND)),
    Item(
        "phones", "Phone numbers", CONTACT,
        collected="When you open an account, change them in My Account, or check out.",
        purposes=("So Customer Care can call you about an order, and the carrier about a "
                  "delivery.",),
        retention="On your account until you change them. The number given with an order "
                  "stays with the order, until you delete the account the order was placed "
                  "from.",
        fields=("Phone.number", "Phone.customer", "Order.phone"),
        shares=(Share(CARRIER, "The phone number given with the order, for the delivery.",
                      ("Order.phone",)),
                Share(PARTNER, "Your daytime phone number, if you opened your account in "
                               "the partner's shop.", ("Phone.number",)),
                LEGAL_DEMAND)),
    Item(
        "card", "Card: brand, first digit, last four, expiry, and the number sealed with the "
                "payment company's key", PAYMENT,
        collected="When you pay by card. A card stays with your account only if you tick "
                  "the box to save it.",
        purposes=("To take payment through the payment company.",
                  "To show you and Customer Care which card paid, never its whole number."),
        retention="A saved card until you remove it in My Account. Each order keeps the "
                  "card's brand, first digit and last four; if you delete your account, only "
                  "the brand. The security code is never stored.",
        fields=("SavedCard.sealed", "SavedCard.brand", "SavedCard.first_digit",
                "SavedCard.last_four", "SavedCard.exp_month", "SavedCard.exp_year",
                "SavedCard.holder_name", "SavedCard.customer", "SavedCard.created_at",
                "Order.card_brand", "Order.card_first_digit", "Order.card_last_four"),
        unstored=(CARD_SECURITY_CODE,),
        shares=(Share(PROCESSOR, "The card number, sealed so that only they can open it, its "
                                 "expiry date and, for a new card, the security code.",
                      ("SavedCard.sealed", "SavedCard.exp_month", "SavedCard.exp_year",
                       CARD_SECURITY_CODE)),
                Share(LEGAL, "The brand, first digit and last four, never more.",
                      ("SavedCard.brand", "SavedCard.first_digit", "SavedCard.last_four",
                       "Order.card_brand", "Order.card_first_digit",
                       "Order.card_last_four")))),
    Item(
        "orders", "Your cart and orders: what you chose and bought, when, and what you paid",
        PAYMENT,
        collected="When you fill your cart and when you place an order.",
        purposes=("To deliver what you bought and charge only for what was delivered.",
                  "To answer your questions about an order."),
        retention="The cart's contents until you order or remove them. Orders are our "
                  "record of sales and are not deleted automatically.",
        fields=("Cart.customer", "CartLine.product", "CartLine.quantity",
                "Order.number", "Order.customer", "Order.channel", "Order.shipping_method",
                "Order.merchandise_cents", "Order.shipping_cents", "Order.gift_card_cents",
                "Order.card_cents", "Order.placed_at", "Order.settled_at",
                "OrderLine.product", "OrderLine.name", "OrderLine.sku", "OrderLine.quantity",
                "OrderLine.unit_price_cents", "OrderLine.status", "Shipment.tracking_number",
                "Payment.order_number", "Payment.authorization_id", "Payment.amount_cents",
                "PaymentAttempt.order_number", "PaymentAttempt.amount_cents"),
        shares=(Share(PROCESSOR, "The order number and the amount to charge.",
                      ("Order.number", "Order.card_cents", "Payment.order_number",
                       "Payment.authorization_id", "Payment.amount_cents",
                       "PaymentAttempt.order_number", "PaymentAttempt.amount_cents")),
                Share(PARTNER, "For an order placed in the partner's shop: its number, date, "
                               "items, their status and the totals.",
                      ("Order.number", "Order.placed_at", "Order.merchandise_cents",
                       "Order.shipping_cents", "OrderLine.name", "OrderLine.sku",
                       "OrderLine.quantity", "OrderLine.unit_price_cents",
                       "OrderLine.status")),
                Share(AGGREGATE, "Sales counted by product category and month.",
                      ("Order.placed_at", "OrderLine.product", "OrderLine.quantity",
                       "OrderLine.unit_price_cents", "OrderLine.status")),
                LEGAL_DEMAND)),
    Item(
        "gift_cards", "Gift cards you send: who they are for and who they are from", CONTACT,
        collected="When you buy a gift card.",
        purposes=("To mail the gift card to the person it is for, from you.",),
        retention="In your cart until you order or remove it, then with the gift card. If "
                  "you delete your account, your name is taken off the gift cards you bought; "
                  "who they are for stays, because the card is theirs.",
        fields=("CartGiftCard.recipient_name", "CartGiftCard.recipient_email",
                "CartGiftCard.sender_name", "GiftCard.recipient_name",
                "GiftCard.recipient_email", "GiftCard.sender_name", "GiftCard.order_number",
                "GiftCardEntry.order_number"),
        shares=(LEGAL_DEMAND,)),
    Item(
        "gift_messages", "The message you write on a gift card", CORRESPONDENCE,
        collected="When you buy a gift card.",
        purposes=("To send it with the gift card.",),
        retention="In your cart until you order or remove it, then with the gift card until "
                  "you delete your account.",
        fields=("CartGiftCard.message", "GiftCard.message")),
    Item(
        "correspondence", "Messages to Customer Care", CORRESPONDENCE,
        collected="When you use the contact form or write to {CARE_EMAIL}.",
        purposes=("To answer you and do what you ask, such as stopping mail from us.",),
        retention="As long as Customer Care may need them to help you; they are not deleted "
                  "automatically. Deleting your account deletes the messages tied to it.",
        fields=("Correspondence.sender_name", "Correspondence.sender_email",
                "Correspondence.customer", "Correspondence.subject", "Correspondence.body",
                "Correspondence.message_id", "CareReply.correspondence", "CareReply.body")),
    Item(
        "call_notes", "Notes Customer Care make when they speak with you on the phone",
        CORRESPONDENCE,
        collected="When you call Customer Care, or they call you about an order.",
        purposes=("So whoever helps you next knows what was said and agreed.",),
        retention="As long as Customer Care may need them to help you; they are not deleted "
                  "automatically. Deleting your account deletes them.",
        fields=("CallNote.customer", "CallNote.order", "CallNote.body")),
    Item(
        "mail", "Mail we send you: the address, the subject and the text", CORRESPONDENCE,
        collected="When we send you mail.",
        purposes=("To deliver it, try again when delivery fails, and let Customer Care see "
                  "what you were sent.",),
        retention="Kept so Customer Care can see what you were sent. The text of a mail "
                  "that carries a code or a link only you may use (a gift card, a link to "
                  "stop our mail or undo a choice, an offer) is erased once it is delivered, "
                  "and our staff never see it. If you "
                  "delete your account, the text of the mail we sent it is erased and the "
                  "address replaced.",
        fields=("OutboxMessage.recipient", "OutboxMessage.customer_id",
                "OutboxMessage.order_number", "OutboxMessage.subject",
                "OutboxMessage.body_text", "OutboxMessage.body_html",
                "OutboxMessage.unsubscribe_url", "OutboxMessage.last_error")),
    Item(
        "consent", "Consent history: each choice you made about mail from us, where, when "
                   "and from which IP address", CONTACT,
        collected="Whenever you tick or untick a box about our mail, use an unsubscribe link "
                  "or the opt-out page, or ask Customer Care.",
        purposes=("To send offers only to people who want them.",
                  "To show what you chose, if you or the law ask."),
        retention="For good, as the proof of what you chose: the history is never deleted. If "
                  "you delete your account, the address in it is replaced by a one-way hash "
                  "and the IP addresses are forgotten.",
        fields=("ConsentEvent.customer_id", "ConsentEvent.email_key", "ConsentEvent.purpose",
                "ConsentEvent.given", "ConsentEvent.channel", "ConsentEvent.reference",
                "ConsentEvent.ip", "ConsentEvent.at", "PolicyNotice.email_key",
                "PolicyNotice.customer_id", "PolicyNotice.at"),
        shares=(LEGAL_DEMAND,)),
    Item(
        "access", "Who at the shop looked at, exported or handed over your data, and every "
                  "disclosure to an authority (which, on what basis, under which case "
                  "reference)", TECHNICAL,
        collected="Whenever a staff member opens a page with your details, downloads them, or "
                  "discloses them on a legal demand.",
        purposes=("So that every look at your data by our staff can be checked afterwards.",
                  "To prove what was disclosed, to whom and why."),
        retention="For good: these records are never deleted. If you delete your account, "
                  "the address in them is replaced by a one-way hash.",
        fields=("AuditEvent.customer_id", "AuditEvent.email_key", "AuditEvent.action",
                "AuditEvent.what", "AuditEvent.at", "AuditEvent.ip",
                "Disclosure.customer_id", "Disclosure.email_key", "Disclosure.authority",
                "Disclosure.case_reference", "Disclosure.legal_basis", "Disclosure.at"),
        shares=(LEGAL_DEMAND,)),
    Item(
        "ip", "IP addresses", TECHNICAL,
        collected="With every page you ask for; with your cart, your orders and each "
                  "signed-in session.",
        purposes=("To find and fix problems you meet on the site.",
                  "To know where a cart, an order or a session came from."),
        retention="The request log empties IP addresses after {PRIVACY_IP_DAYS} days and "
                  "deletes its rows after {REQUEST_LOG_DAYS} days. An order keeps the address "
                  "it was placed from until you delete your account. A cart keeps the one it "
                  "last changed from, and forgets it {PRIVACY_IP_DAYS} days after that "
                  "change. A signed-in session keeps the one it began from until "
                  "the session itself is deleted.",
        fields=("RequestLog.ip", "Order.ip", "Cart.ip", "AccountSession.ip"),
        shares=(LEGAL_DEMAND,)),
    Item(
        "sessions", "Signed-in sessions: when each began and was last used", TECHNICAL,
        collected="When you sign in.",
        purposes=("To keep you signed in, and to end every session at once when you sign "
                  "out or change your password.",),
        retention="Until you sign out or change your password. Otherwise a session ends "
                  "after 12 hours unused, or 30 days after you signed in if you chose to "
                  "stay signed in, and our daily clean-up deletes it.",
        fields=("AccountSession.customer", "AccountSession.remembered",
                "AccountSession.created_at", "AccountSession.last_seen")),
    Item(
        "sign_in", "Sign-in attempts: the IP address and a keyed fingerprint of the email "
                   "(not the email itself)", TECHNICAL,
        collected="When you try to sign in.",
        purposes=("To slow down anyone guessing passwords.",),
        retention="30 days.",
        fields=("LoginAttempt.subject", "LoginAttempt.ip", "LoginAttempt.realm",
                "LoginAttempt.succeeded", "LoginAttempt.at")),
    Item(
        "visitor", "A random visitor number in a cookie, and the pages seen with it",
        TECHNICAL,
        collected="When your browser keeps our cookie: from the second page you view.",
        purposes=("To hold your cart before you sign in.",
                  "To show what you viewed recently.",
                  "To count visits and pages in reports."),
        retention="The cookie lasts {VISITOR_COOKIE_DAYS} days in your browser. The pages "
                  "seen and the visitor record are not deleted automatically.",
        fields=("Visitor.key", "Visitor.first_seen", "Visitor.last_seen", "Visitor.visits",
                "PageView.visitor", "PageView.path", "PageView.referrer_host",
                "PageView.product_id", "PageView.at", "Cart.visitor", "RequestLog.visitor",
                "Touch.visitor"),
        shares=(Share(AGGREGATE, "Visits and pages counted by day and hour, and visitors "
                                 "counted as new or returning."),)),
    Item(
        "arrival", "How you found us: the link, banner or partner shop that brought you",
        TECHNICAL,
        collected="When you arrive through a tagged link, a banner or a partner's co-branded "
                  "shop.",
        purposes=("To learn which links and partners bring customers.",
                  "To show a partner's shop in its own frame."),
        retention="With your visitor record, your account and your orders; not deleted "
                  "automatically.",
        fields=("Touch.source", "Touch.banner", "Touch.utm_source", "Touch.utm_medium",
                "Touch.utm_campaign", "Touch.partner", "Touch.landing_path",
                "Touch.referrer_host", "Touch.at", "Visitor.first_touch", "Visitor.last_touch",
                "Customer.partner", "Customer.first_touch", "Customer.last_touch",
                "Order.partner", "Order.first_touch", "Order.last_touch"),
        shares=(Share(AGGREGATE, "Visitors and orders counted by the link or banner that "
                                 "brought them."),
                Share(PARTNER, "That you opened your account, or placed an order, in its "
                               "shop.", ("Customer.partner", "Order.partner")))),
    Item(
        "staff", "Staff accounts: name, work email, password hash, roles, and who did what",
        CONTACT,
        collected="When the shop gives someone a staff account, ours or a partner's.",
        purposes=("To sign staff in, show each only what their role needs, and record who "
                  "did what.",),
        retention="While the staff account exists.",
        fields=("StaffUser.name", "StaffUser.email", "StaffUser.email_key",
                "StaffUser.password_hash", "StaffUser.roles", "StaffUser.partner",
                "StaffUser.is_active", "StaffUser.must_change_password",
                "StaffUser.created_at", "AccountSession.staff",
                "Order.taken_by", "Shipment.shipped_by", "Correspondence.assigned_to",
                "CareReply.staff", "CallNote.staff", "ProductChange.staff_id",
                "CategoryChange.staff_id", "ConsentEvent.staff_id", "PolicyVersion.published_by_id",
                "AuditEvent.staff_id", "Disclosure.staff_id", "Promotion.created_by_id",
                "ContestDraw.drawn_by_id", "Campaign.created_by_id"),
        shares=(LEGAL_DEMAND,)),
)

# Fields the recognition rule catches that hold nothing about a person.
NOT_PERSONAL = {
    "Partner.name": "A company's name.",
    "Category.name": "Catalogue text written by the shop.",
    "Category.description": "Catalogue text written by the shop.",
    "Product.name": "Catalogue text written by the shop.",
    "Product.description": "Catalogue text written by the shop.",
    "PolicyVersion.summary": "The privacy policy's own text, written by staff.",
    "PolicyVersion.body": "The privacy policy's own text, written by staff.",
    "Promotion.body": "A promotion page's text, written by staff.",
    "Contest.rules": "A contest's rules, written by staff.",
    "Contest.prizes": "A contest's prizes, written by staff.",
    "Contest.zip_code": "Whether the contest's form asks for a zip code (off, optional, "
                        "required), not anyone's zip code.",
    "Contest.age_band": "Whether the contest's form asks for an age band.",
    "Contest.income_band": "Whether the contest's form asks for an income band.",
    "Campaign.subject": "A campaign's subject, written by staff for everyone in it.",
    "Campaign.body": "A campaign's text, written by staff for everyone in it.",
    "OutboxMessage.message_id": "A random identifier the shop makes for each mail.",
    "PaymentAttempt.message": "The shop's own words shown when a payment failed.",
    "GiftCard.last_four": "The end of a gift card's code, to tell cards apart.",
    "GiftCardEntry.gift_card": "Which gift card moved; the card's own fields are declared.",
    "ProductChange.changes": "Old and new values of a product's catalogue fields.",
    "CategoryChange.changes": "Old and new values of a category's fields.",
}

# Models with no personal field at all.
NO_PERSONAL_DATA = {
    "Partner": "Companies whose co-branded shops we run.",
    "Banner": "Banners the shop places.",
    "Category": "The catalogue.",
    "Product": "The catalogue.",
    "ProductWord": "The catalogue's search index.",
    "ProductImage": "Pictures of products.",
    "ShipmentLine": "Which order lines left in which parcel; both are declared.",
    "PromoCode": "Discount codes and how often each was used, by nobody in particular.",
    "Contest": "Contests: their rules, dates and prizes.",
    "BoughtTogether": "How many orders held two products together: counts, no one's order.",
}


# How each model's rows are tied to one person, for the data export and account erasure
# (storefront/rights). A row is the person's when any one of its model's links ties it:
ACCOUNT = "account"  # the field holds the person's account (a customer id)
EMAIL = "email"  # the field holds the person's email address (compared lower-cased)
KEYED_EMAIL = "keyed email"  # the field holds the sign-in throttle's keyed hash of the address
PARENT = "parent"  # the field points at one of the person's rows of the model it names
ORDER_NUMBER = "order number"  # the field holds the number of one of the person's orders
NAMED_BY = "named by"  # "Model.field" of one of the person's rows points at this row


@dataclass(frozen=True)
class Link:
    way: str
    field: str


SUBJECT_LINKS = {
    "Customer": (Link(ACCOUNT, "id"), Link(EMAIL, "email_key")),
    "Address": (Link(ACCOUNT, "customer"),),
    "Phone": (Link(ACCOUNT, "customer"),),
    "AccountSession": (Link(ACCOUNT, "customer"),),
    "LoginAttempt": (Link(KEYED_EMAIL, "subject"),),
    "SavedCard": (Link(ACCOUNT, "customer"),),
    "Cart": (Link(ACCOUNT, "customer"),),
    "CartLine": (Link(PARENT, "cart"),),
    "CartGiftCard": (Link(PARENT, "cart"),),
    "Order": (Link(ACCOUNT, "customer"), Link(EMAIL, "email")),
    "OrderAddress": (Link(PARENT, "order"),),
    "OrderLine": (Link(PARENT, "order"),),
    "Shipment": (Link(PARENT, "order"),),
    "Payment": (Link(ORDER_NUMBER, "order_number"),),
    "PaymentAttempt": (Link(ORDER_NUMBER, "order_number"),),
    "GiftCard": (Link(ORDER_NUMBER, "order_number"),),
    "GiftCardEntry": (Link(ORDER_NUMBER, "order_number"),),
    "OutboxMessage": (Link(ACCOUNT, "customer_id"), Link(EMAIL, "recipient")),
    "Correspondence": (Link(ACCOUNT, "customer"), Link(EMAIL, "sender_email")),
    "CareReply": (Link(PARENT, "correspondence"),),
    "CallNote": (Link(ACCOUNT, "customer"), Link(PARENT, "order")),
    "ConsentEvent": (Link(ACCOUNT, "customer_id"), Link(EMAIL, "email_key")),
    "CatalogueRequest": (Link(EMAIL, "email"),),
    "ContestEntry": (Link(EMAIL, "email_key"),),
    "PolicyNotice": (Link(ACCOUNT, "customer_id"), Link(EMAIL, "email_key")),
    "AuditEvent": (Link(ACCOUNT, "customer_id"), Link(EMAIL, "email_key")),
    "Disclosure": (Link(ACCOUNT, "customer_id"), Link(EMAIL, "email_key")),
    "Touch": (Link(NAMED_BY, "Customer.first_touch"), Link(NAMED_BY, "Customer.last_touch"),
              Link(NAMED_BY, "Order.first_touch"), Link(NAMED_BY, "Order.last_touch")),
}

# Models with declared fields whose rows cannot be tied to one customer, and why (told in
# the data export as they stand).
UNLINKED = {
    "Promotion": "Promotion pages name no one; who wrote one is a staff member.",
    "Campaign": "A campaign names no one; what it sent you is in the mail we sent you.",
    "ContestDraw": "A draw lists entry numbers, not people: your entry is with your entries.",
    "Visitor": "The visitor number in your browser's cookie, and the pages seen with it, "
               "belong to a browser, not to a person: a browser may be shared, so we cannot "
               "tell which visits were yours, and leave them out.",
    "PageView": "The pages seen with a visitor number are the browser's, not yours alone, so "
                "they are left out.",
    "RequestLog": "The request log records IP addresses and visitor numbers, never who you "
                  "are, so it cannot be searched for you.",
    "StaffUser": "Staff accounts are about our staff, not our customers.",
    "PolicyVersion": "Who published a version of the privacy policy is about our staff.",
    "ProductChange": "Who changed a product in the catalogue is about our staff.",
    "CategoryChange": "Who changed a category in the catalogue is about our staff.",
}
# Items about the shop's staff: a customer's export and erasure leave their fields out.
STAFF_ITEMS = ("staff",)


def declared():
    """{name: item} for every model field and unstored datum the inventory declares."""
    return {name: item for item in ITEMS for name in item.names()}


def undeclared_for(recipient, names):
    """Of the names a payload to `recipient` carries, those the inventory does not allow it
    (undeclared ones included), in their order."""
    found = declared()
    return [name for name in names if name not in found or not found[name].allows(recipient,
                                                                                   name)]


def fill(text, config):
    """Inventory text with the settings it names ({PRIVACY_IP_DAYS}...) from config."""
    return text.format_map({name: config[name] for name in SETTINGS})


@dataclass(frozen=True)
class Entry:
    """An item as the privacy page tells it, with the settings filled in."""

    key: str
    label: str
    collected: str
    purposes: tuple
    retention: str
    recipients: str  # who outside the shop may receive some of it, as a sentence


@dataclass(frozen=True)
class Told:
    """The whole inventory as the privacy page tells it."""

    categories: list  # [(category label, [Entry])], categories with no item left out
    recipients: list  # [(key, Recipient, [(item label, what it gets)])]
    kept_to_ourselves: list  # labels of the items no one outside the shop receives
    not_collected: list  # labels of the categories the shop keeps nothing of


def told(config):
    """The inventory in readers' words, with the settings it names taken from config."""
    def entry(item):
        return Entry(item.key, item.label, fill(item.collected, config),
                     tuple(fill(purpose, config) for purpose in item.purposes),
                     fill(item.retention, config), _sentence(
                         [RECIPIENTS[key].short for key in RECIPIENTS
                          if any(share.recipient == key for share in item.shares)]))

    categories = [(label, [entry(item) for item in ITEMS if item.category == key])
                  for key, label in CATEGORIES.items()]
    recipients = [(key, replace(recipient, terms=fill(recipient.terms, config)),
                   [(item.label, share.what) for item in ITEMS for share in item.shares
                    if share.recipient == key])
                  for key, recipient in RECIPIENTS.items()]
    return Told([(label, entries) for label, entries in categories if entries], recipients,
                [item.label for item in ITEMS if not item.shares],
                [label for label, entries in categories if not entries])


def _sentence(parts):
    """"a, b and c" with a capital first letter; "No one outside the shop" for none."""
    if not parts:
        return "No one outside the shop."
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[0].upper() + text[1:] + "."
