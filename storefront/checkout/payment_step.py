"""The payment, review and place steps, as the web checkout and a care associate's phone order
both run them. The views say whose order it is, where the draft is kept, where to go next and
which page to render; what the steps do is here, once.
"""
import time
from dataclasses import dataclass, field

from wtforms import HiddenField, SelectChoice, StringField

from storefront.accounts.forms import attach_error
from storefront.checkout import placing, service
from storefront.checkout.payment_choice import NewCard, choose_payment, looks_like_a_card_number
from storefront.db import utcnow
from storefront.payments import gateway
from storefront.payments import service as payments
from storefront.payments.display import describe_card


def payment_form(form_class, customer, draft, today, new_card_label):
    """(the payment form, with the customer's saved cards that can still pay as choices, the
    newest first and chosen, then a new card; their ids by choice value). The promotion code
    chosen before is filled in."""
    form = form_class()
    if not form.is_submitted():
        form.promo_code.data = draft.promo_code
    saved = payments.saved_cards(customer, today) if customer else []
    form.pay_with.choices = [SelectChoice(f"saved-{card.id}", describe_card(card))
                             for card in saved] + [SelectChoice("new", new_card_label)]
    if not form.is_submitted() and saved:
        form.pay_with.data = f"saved-{saved[0].id}"
    if customer is None:
        del form.save
    return form, {f"saved-{card.id}": card.id for card in saved}


def new_card_from(form):
    """The card typed into the payment form."""
    month, year = form.expiry_parts()
    return NewCard(number=form.number.data or "", exp_month=month, exp_year=year,
                   holder_name=form.holder_name.data or "",
                   save="save" in form and bool(form.save.data))


def choose(form, saved_ids, draft, summary, *, customer, ip, config, today):
    """Put the posted payment into the draft: True when it is taken (a new attempt: no order
    number yet); else False, with the errors on the form."""
    choice = "new" if form.pay_with.data == "new" else saved_ids.get(form.pay_with.data)
    try:
        choose_payment(draft, summary, customer, choice, new_card_from(form), ip=ip,
                       secret=config["SECRET_KEY"], today=today,
                       public_key_file=config["PROCESSOR_PUBLIC_KEY_FILE"],
                       gift_code=(form.gift_code.data or "") if "gift_code" in form else "",
                       promo_code=form.promo_code.data or "", now=utcnow())
    except service.CheckoutError as error:
        attach_error(form, error)
        return False
    draft.number = ""
    return True


def hide_card_numbers(form):
    """Before a form with errors is shown again: blank every text field holding what may be a
    card number typed in the wrong place, and a holder name that was refused or holds a digit,
    so a card number never travels back in a page."""
    if not form.errors:
        return
    for typed in form:
        if isinstance(typed, StringField) and not isinstance(typed, HiddenField) and \
                looks_like_a_card_number(typed.data):
            typed.data = ""
    holder = form.holder_name
    if holder.errors or any(character.isdigit() for character in holder.data or ""):
        holder.data = ""


def pricing_so_far(draft, summary):
    """The order's amounts beside the payment step: the promotion code counts while it
    applies."""
    return service.price(summary, draft.method,
                         promo=service.promo_of(draft, summary, utcnow())[0])


@dataclass
class ReviewPage:
    """What the review page shows, or the step to go back to first ("items": nothing to
    order; "details": they are not filled in)."""

    back_to: str = ""
    page: dict = field(default_factory=dict)


def review_page(draft, customer, visitor_id, form, keep, taken_by=None):
    """The review page's contents; the form gets the fingerprint of what is shown and the
    order number this attempt uses (keep() stores the draft when it gets a new one)."""
    now = utcnow()
    _, summary, pricing, gift_card = service.review(draft, customer, visitor_id, now, taken_by)
    if summary.item_count == 0:
        return ReviewPage("items")
    if not service.ready_to_review(draft, summary):
        return ReviewPage("details")
    if service.reserve_number(draft):
        keep()
    promo_problem = service.promo_of(draft, summary, now)[1]
    if promo_problem and promo_problem not in " ".join(form.form_errors):
        form.form_errors.append(f"{promo_problem} Please change the payment to remove it.")
    form.reviewed.data = service.fingerprint(summary, pricing, draft)
    form.number.data = draft.number
    card = payments.saved_card(customer, draft.saved_card_id) or draft.card
    return ReviewPage(page={"summary": summary, "pricing": pricing, "gift_card": gift_card,
                            "card": card, "needs_cvv": bool(draft.card) and pricing.card_cents > 0})


def place(form, draft, keep, *, customer, visitor_id, ip, config, attribution=None,
          taken_by=None):
    """Place the reviewed order: (the order, None) once placed, or (None, the status of the
    review page shown again with the errors on the form). keep() stores the draft whenever
    it changes: placed, or any failure but a twin click still placing, after which the next
    try is a new attempt with a new number."""
    try:
        order = placing.place_order(draft, customer, visitor_id, ip, form.cvv.data,
                                    form.reviewed.data, gateway.client_from_config(config),
                                    placing.twin_wait(config), attribution, taken_by)
    except placing.StillPlacing as error:
        attach_error(form, error)  # the same number again: it will not be charged twice
        return None, 409
    except service.CheckoutError as error:
        attach_error(form, error)
        status = 400
    except gateway.PaymentError as error:
        form.form_errors.append(error.customer_message)
        status = 503 if isinstance(error, gateway.ProcessorUnavailable) else 402
    else:
        draft.finish(order.number, time.time())
        keep()
        return order, None
    draft.number = ""
    keep()
    return None, status
