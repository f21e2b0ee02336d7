"""My Account: what the account holder changes themselves (name, addresses, phone numbers,
password, recommendations, communication choices). The email address, which needs the new
address confirmed, is in email_change.py."""
from storefront.accounts import passwords, sessions
from storefront.accounts.models import Address, Customer, Phone
from storefront.accounts.service import (AccountError, Problems, check_address,
                                         check_new_password, check_password, check_phones)
from storefront.db import database
from storefront.privacy import consent


def set_personalized(customer, on):
    """Recommendations and recently viewed on or off (P11): a setting, not a consent."""
    customer.personalized = bool(on)
    Customer.update(personalized=customer.personalized).where(Customer.id == customer.id) \
        .execute()


def save_communication_choices(customer, choices, ip=""):
    """My Account → communication preferences: record the boxes that changed."""
    return consent.record_choices(choices, "account", customer_id=customer.id,
                                  address=customer.email, ip=ip)


def update_name(customer, name):
    """Change the customer's name."""
    if not name.strip():
        raise AccountError("Enter your name.", "name")
    customer.name = name.strip()
    customer.save(only=[Customer.name])


def _country(customer):
    shipping = customer.address(Address.SHIPPING)
    return shipping.country if shipping else None


def save_address(customer, kind, data):
    """Replace the customer's shipping or billing address."""
    problems = Problems()
    data = check_address(problems, data, "address")
    problems.raise_any()
    with database.atomic():
        Address.delete().where(Address.customer == customer, Address.kind == kind).execute()
        Address.create(customer=customer, kind=kind, **vars(data))


def save_phones(customer, day_phone, evening_phone, default_region):
    """Replace the customer's phone numbers (at least one stays).

    Numbers without a country code are read as numbers of the shipping country.
    """
    problems = Problems()
    numbers = check_phones(problems, day_phone, evening_phone,
                           _country(customer) or default_region)
    problems.raise_any()
    with database.atomic():
        Phone.delete().where(Phone.customer == customer).execute()
        for kind, number in numbers.items():
            Phone.create(customer=customer, kind=kind, number=number)


def change_password(customer, current, new, ip, secret):
    """Set a new password and end every session of the account, this one included.

    Wrong current passwords count as failed sign-ins, so a stolen session cannot guess it.
    """
    check_password(customer, current, ip, secret, "current_password",
                   "Your current password is not right.")
    problems = Problems()
    check_new_password(problems, new, passwords.CUSTOMER_MIN_LENGTH, customer.email,
                       "new_password")
    problems.raise_any()
    with database.atomic():
        customer.password_hash = passwords.hash_password(new)
        customer.save(only=[Customer.password_hash])
        sessions.end_all(customer=customer)
