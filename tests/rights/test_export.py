"""Download my data (issue 7): built from the inventory, through its subject links. The
export holds every declared field of every record of the person, with its stored value, and
nothing of anyone else; secrets stay out and the file says so; My Account's download holds
what the account proves is its holder's."""
import json
import re

import pytest

from storefront.accounts.models import Customer, LoginAttempt
from storefront.privacy import inventory
from storefront.privacy.models import AuditEvent
from storefront.rights import export
from tests.factories import make_customer, make_staff, post_form, sign_in, staff_sign_in
from tests.rights.conftest import ADA, BEA

SECRET = "test-secret-key-not-for-production"


def linked_models_with_fields():
    """{model: {item key: [declared names]}} for every model an export item covers."""
    found = {}
    for item in inventory.ITEMS:
        if item.key in inventory.STAFF_ITEMS:
            continue
        for name in item.fields:
            for model in export.models_named(name.split(".")[0]):
                found.setdefault(model, {}).setdefault(item.key, []).append(name)
    return found


@pytest.fixture
def ada_and_bea(make_someone):
    return make_someone(ADA, guest_order=True), make_someone(BEA, guest_order=True)


def records(data, item_key, model_name):
    item = next(item for item in data["items"] if item["key"] == item_key)
    return item["records"].get(model_name, [])


def test_the_export_holds_every_declared_field_of_every_record_of_the_person(ada_and_bea):
    ada, bea = ada_and_bea
    data = export.person_data(ada.customer.id, ada.email, secret=SECRET)
    assert json.loads(json.dumps(data)) == data  # JSON-ready as it is

    for model, items in linked_models_with_fields().items():
        if model.__name__ in inventory.UNLINKED:
            continue
        for item_key, names in items.items():
            rows = records(data, item_key, model.__name__)
            if set(names) <= set(export.WITHHELD):
                assert rows == [], f"{item_key} holds only secrets: no record of it"
                continue
            assert rows, f"{model.__name__} under {item_key}: no record exported"
            for record in rows:
                stored = model.get_by_id(record["id"])
                for name in names:
                    field = name.split(".")[1]
                    if name in export.WITHHELD:
                        assert field not in record
                        continue
                    assert record[field] == export.json_value(stored.__data__.get(field)), \
                        f"{name} of {model.__name__} {stored.id}"
                assert set(record) == {"id"} | {name.split(".")[1] for name in names
                                                if name not in export.WITHHELD}
        # Nothing tied to the account is missed.
        for link in inventory.SUBJECT_LINKS[model.__name__]:
            if link.way == inventory.ACCOUNT:
                field = model._meta.fields[link.field]
                mine = {row.id for row in model.select().where(field == ada.customer.id)}
                for item_key in items:
                    if not set(items[item_key]) <= set(export.WITHHELD):
                        assert mine <= {r["id"] for r in records(data, item_key,
                                                                 model.__name__)}


def test_the_person_is_found_by_account_and_address_and_only_them(ada_and_bea):
    ada, bea = ada_and_bea
    data = export.person_data(ada.customer.id, ada.email, secret=SECRET)
    text = json.dumps(data, ensure_ascii=False)
    for value in bea.distinctive():
        assert value not in text, value
    assert bea.email.split("@")[0] not in text.lower()

    def ids(item_key, model_name):
        return {record["id"] for record in records(data, item_key, model_name)}
    assert ids("identity", "Customer") == {ada.customer.id}
    assert ids("orders", "Order") == {ada.order.id, ada.guest_order.id}  # the guest one too
    assert {r["number"] for r in records(data, "orders", "Order")} == \
        {ada.order.number, ada.guest_order.number}
    assert len(records(data, "addresses", "Address")) == 2  # shipping and billing
    assert {r["line1"] for r in records(data, "addresses", "OrderAddress")} == {ada.street}
    assert [r["number"] for r in records(data, "phones", "Phone")] == [ada.e164]
    assert [r["last_four"] for r in records(data, "card", "SavedCard")] == ["1111"]
    gift_cards = records(data, "gift_cards", "GiftCard")
    assert [(g["recipient_name"], g["sender_name"]) for g in gift_cards] == \
        [(ada.gift_to, ada.name)]
    assert [g["message"] for g in records(data, "gift_messages", "CartGiftCard")] == \
        [ada.gift_message]
    assert [m["body"] for m in records(data, "correspondence", "Correspondence")] == \
        [ada.message]
    assert {t["source"] for t in records(data, "arrival", "Touch")} == {ada.ref}
    # Sign-in attempts: the failed one and the good one, found by the keyed fingerprint.
    attempts = records(data, "sign_in", "LoginAttempt")
    assert sorted(a["succeeded"] for a in attempts) == [False, True]
    assert LoginAttempt.select().count() > len(attempts)  # Bea's are there, not exported
    mail = records(data, "mail", "OutboxMessage")
    assert mail and all(m["recipient"].lower() == ada.email for m in mail)


def test_secrets_stay_out_and_the_file_says_what_it_leaves_out(ada_and_bea):
    ada, _ = ada_and_bea
    data = export.person_data(ada.customer.id, ada.email, secret=SECRET)
    text = json.dumps(data)
    assert ada.customer.password_hash not in text and "argon2" not in text
    assert "password_hash" not in text and '"sealed"' not in text
    assert export.WITHHELD["Customer.password_hash"] in data["left_out"]
    assert export.WITHHELD["SavedCard.sealed"] in data["left_out"]
    for model in ("Visitor", "PageView", "RequestLog"):
        assert inventory.UNLINKED[model] in data["left_out"]
    assert export.STAFF_NOTE in data["left_out"]
    assert not any(item["key"] in inventory.STAFF_ITEMS for item in data["items"])
    assert [item["key"] for item in data["items"]] == \
        [item.key for item in inventory.ITEMS if item.key not in inventory.STAFF_ITEMS]
    # Without the app's secret, sign-in attempts are not looked up, and the file says so.
    unkeyed = export.person_data(ada.customer.id, ada.email)
    assert records(unkeyed, "sign_in", "LoginAttempt") == []
    assert export.SIGN_IN_NOTE in unkeyed["left_out"]


def test_an_address_alone_finds_the_account_under_it_and_its_guest_orders(ada_and_bea):
    ada, _ = ada_and_bea
    by_address = export.person_data(address=ada.email.upper(), secret=SECRET)
    by_both = export.person_data(ada.customer.id, ada.email, secret=SECRET)
    assert by_address["items"] == by_both["items"]


def test_my_account_download_is_a_json_attachment_of_the_account(ada_and_bea):
    ada, bea = ada_and_bea
    client = ada.client
    page = client.get("/account/data").get_data(as_text=True)
    assert "<h1>Download my data</h1>" in page and 'href="/privacy"' in page
    response = post_form(client, "/account/data", {})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert re.fullmatch(r'attachment; filename="storefront-data-\d{8}\.json"',
                        response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    text = response.get_data(as_text=True)
    assert ada.order.number in text and ada.street in text and ada.e164 in text
    for value in bea.distinctive():
        assert value not in text, value
    # The guest order under the address is not the account's to download: the file says so.
    assert ada.guest_order.number not in text
    assert export.ADDRESS_ONLY_NOTE in data["left_out"]
    assert records(data, "sign_in", "LoginAttempt") == []
    assert data["person"] == {"account": ada.customer.id, "address": ""}
    event = AuditEvent.get(AuditEvent.action == AuditEvent.EXPORTED)
    assert (event.customer_id, event.staff_id, event.what, event.ip) == \
        (ada.customer.id, None, "data downloaded by its holder", "127.0.0.1")


def test_the_download_needs_the_forms_token_and_a_signed_in_customer(client, db):
    make_customer()
    response = client.get("/account/data")
    assert response.status_code == 302 and "/account/login" in response.location
    assert client.post("/account/data").status_code in (302, 400)
    assert sign_in(client).status_code == 302
    assert client.post("/account/data").status_code == 400  # no CSRF token
    assert AuditEvent.select().count() == 0
    staff = make_staff("care").email
    other = client.application.test_client()
    assert staff_sign_in(other, staff).status_code == 302
    assert other.get("/account/data").status_code == 403


def test_the_account_page_links_both_rights(client, db):
    make_customer()
    sign_in(client)
    page = client.get("/account/").get_data(as_text=True)
    assert '<a href="/account/data">Download my data</a>' in page
    assert '<a href="/account/delete">Delete my account</a>' in page


# --- The subject links: every model with personal fields is reachable, or says why not. ----

def test_every_model_with_declared_fields_has_a_subject_link_or_a_reason(app):
    models = {model.__name__: model for model in linked_models_with_fields()}
    staff_only = {model.__name__ for item in inventory.ITEMS if item.key in inventory.STAFF_ITEMS
                  for name in item.fields for model in export.models_named(name.split(".")[0])}
    for name in set(models) | staff_only:
        linked, unlinked = name in inventory.SUBJECT_LINKS, name in inventory.UNLINKED
        assert linked != unlinked, f"{name}: give it a subject link or a reason in UNLINKED"
    assert set(inventory.UNLINKED) <= set(models) | staff_only
    assert all(reason.strip() for reason in inventory.UNLINKED.values())
    every = {model.__name__: model for model in export.models_named("BaseModel")}
    ways = {inventory.ACCOUNT, inventory.EMAIL, inventory.KEYED_EMAIL, inventory.PARENT,
            inventory.ORDER_NUMBER, inventory.NAMED_BY}
    for name, links in inventory.SUBJECT_LINKS.items():
        assert name in every and links, name
        for link in links:
            assert link.way in ways, (name, link)
            owner, _, field = link.field.rpartition(".")
            target = every[owner or name]
            assert field in target._meta.fields, (name, link)
            if link.way == inventory.PARENT:
                assert target._meta.fields[field].rel_model.__name__ in \
                    inventory.SUBJECT_LINKS, (name, link)
            if link.way == inventory.NAMED_BY:
                assert owner in inventory.SUBJECT_LINKS, (name, link)


def test_an_account_without_records_exports_its_items_empty(db):
    customer = make_customer()
    data = export.person_data(customer.id)
    assert [r["name"] for r in records(data, "identity", "Customer")] == ["Ada Shopper"]
    assert records(data, "orders", "Order") == []
    assert export.person_data(Customer.select().count() + 99)["items"][0]["records"] == {}


def test_the_holders_own_file_leaves_out_disclosures_and_staff_addresses(db):
    from storefront.privacy import audit
    from storefront.privacy.models import AuditEvent, Disclosure
    customer = make_customer()
    Disclosure.create(customer_id=customer.id, email_key=customer.email_key,
                      authority="Secret court", case_reference="S-1", legal_basis="Sealed",
                      staff_id=1)
    audit.record(AuditEvent.DISCLOSED, "disclosure to Secret court", staff_id=1,
                 customer_id=customer.id, ip="10.9.9.9")
    audit.record(AuditEvent.VIEWED, "customer page", staff_id=1, customer_id=customer.id,
                 ip="10.9.9.8")
    text = json.dumps(export.holder_download(customer, "203.0.113.5"))
    assert "Secret court" not in text and "S-1" not in text
    assert "10.9.9.9" not in text and "10.9.9.8" not in text
    assert "customer page" in text and "Disclosures of your data" in text


def test_audit_and_consent_tables_cannot_be_emptied_by_the_app(db):

    from storefront.privacy.models import AuditEvent, ConsentEvent, PolicyNotice
    for model in (AuditEvent, ConsentEvent, PolicyNotice):
        with pytest.raises(PermissionError):
            model.truncate_table()
