"""Promotion pages (P6): staff write them and their codes (marketing and admin only), the
home page lists the live ones, and a partner's show only inside its co-brand."""
from datetime import timedelta

import pytest

from storefront.db import utcnow
from storefront.marketing.models import PromoCode, Promotion
from tests.factories import make_staff, post_form, staff_sign_in
from tests.partners.conftest import make_partner

NEW = "/staff/marketing/promotions/new"


def moment(days):
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def promotion_form(**overrides):
    data = {"title": "Spring Sale", "slug": "", "body": "## Lamps\n\nA **third** off.",
            "image": "", "starts_at": moment(-1), "ends_at": moment(10), "partner": ""}
    data.update(overrides)
    return data


def code_form(**overrides):
    data = {"code-code": "spring15", "code-kind": "percent", "code-amount": "15",
            "code-min_order": "", "code-max_uses": "", "code-starts_at": moment(-1),
            "code-expires_at": moment(10), "code-is_active": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def marketing(client, db):
    make_staff("marketing")
    staff_sign_in(client, "marketing@staff.example.com")
    return client


def make_promotion(slug="spring", days=(-1, 10), partner=None, **overrides):
    now = utcnow()
    fields = {"title": slug.title(), "slug": slug, "body": "", "partner": partner,
              "starts_at": now + timedelta(days=days[0]),
              "ends_at": now + timedelta(days=days[1])}
    fields.update(overrides)
    return Promotion.create(**fields)


def test_marketing_staff_write_a_promotion_with_a_slug_from_its_title_and_edit_it(marketing):
    response = post_form(marketing, NEW, promotion_form())
    assert response.status_code == 302
    promotion = Promotion.get()
    assert (promotion.slug, promotion.title, promotion.partner_id) == ("spring-sale",
                                                                      "Spring Sale", None)
    assert promotion.created_by_id is not None
    page = f"/staff/marketing/promotions/{promotion.id}"
    assert response.location == page
    response = post_form(marketing, page, promotion_form(title="Spring Sale Extended",
                                                         slug="spring", image="/static/x.jpg"))
    assert response.status_code == 302
    promotion = Promotion.get()
    assert (promotion.slug, promotion.title, promotion.image) == (
        "spring", "Spring Sale Extended", "/static/x.jpg")
    listing = marketing.get("/staff/marketing/promotions").get_data(as_text=True)
    assert "Spring Sale Extended" in listing and "/promotions/spring" in listing
    assert "<strong>live</strong>" in listing


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": "  "}, "title", "Give the promotion a title."),
    ({"ends_at": moment(-2)}, "ends_at", "The end must come after the start."),
    ({"starts_at": "tomorrow"}, "starts_at", "Enter a date and time like 2026-05-01 09:00."),
    ({"image": "https://evil.example/x.png"}, "image", "under /static/"),
    ({"image": "/static/../secret"}, "image", "under /static/"),
    ({"image": "//evil.example/static/x.png"}, "image", "under /static/"),
    ({"slug": "Not a slug!"}, "slug", "lowercase letters, digits and single hyphens"),
    ({"slug": "taken"}, "slug", "Another promotion has this address."),
    ({"partner": "99999"}, "partner", "Choose a partner from the list."),
    ({"partner": "x" * 30}, "partner", "Choose a partner from the list."),
])
def test_a_promotion_is_refused_with_a_message_next_to_the_field(marketing, overrides, field,
                                                                 message):
    make_promotion("taken")
    response = post_form(marketing, NEW, promotion_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = html.index(f'id="{field}-error"')
    assert message in html[error:error + 300]
    assert Promotion.select().count() == 1


def test_a_partner_is_chosen_from_the_list(marketing):
    partner = make_partner("riverbooks", name="Riverbooks")
    assert "Riverbooks" in marketing.get(NEW).get_data(as_text=True)
    assert post_form(marketing, NEW, promotion_form(partner=str(partner.id))).status_code == 302
    assert Promotion.get().partner_id == partner.id


def test_codes_are_added_checked_and_changed_keeping_their_uses(marketing):
    promotion = make_promotion()
    page = f"/staff/marketing/promotions/{promotion.id}"
    add = f"{page}/codes"
    response = post_form(marketing, add, code_form(), token_page=page)
    assert response.status_code == 302
    code = PromoCode.get()
    assert (code.code, code.kind, code.amount, code.min_order_cents, code.max_uses,
            code.is_active, code.promotion_id) == ("SPRING15", "percent", 15, 0, None, True,
                                                   promotion.id)
    assert post_form(marketing, add, code_form(**{
        "code-code": "TENOFF", "code-kind": "fixed", "code-amount": "$10.5",
        "code-min_order": "50", "code-max_uses": "100"}), token_page=page).status_code == 302
    fixed = PromoCode.get(PromoCode.code == "TENOFF")
    assert (fixed.amount, fixed.min_order_cents, fixed.max_uses) == (1050, 5000, 100)
    PromoCode.update(uses=7).where(PromoCode.id == fixed.id).execute()
    edit = f"{page}/codes/{fixed.id}"
    form = marketing.get(edit).get_data(as_text=True)
    assert 'value="10.50"' in form and 'value="50.00"' in form
    assert post_form(marketing, edit, code_form(**{
        "code-code": "TENOFF", "code-kind": "fixed", "code-amount": "12",
        "code-is_active": None})).status_code == 302
    fixed = PromoCode.get_by_id(fixed.id)
    assert (fixed.amount, fixed.is_active, fixed.uses) == (1200, False, 7)
    listing = marketing.get(page).get_data(as_text=True)
    assert "SPRING15" in listing and "TENOFF" in listing and "7" in listing
    # A code of another promotion is not found under this one.
    other = make_promotion("other")
    assert marketing.get(f"/staff/marketing/promotions/{other.id}/codes/{fixed.id}") \
        .status_code == 404


@pytest.mark.parametrize("overrides, field, message", [
    ({"code-code": "AB1"}, "code-code", "Use 4 to 32 letters and digits."),
    ({"code-code": "SPRING-15"}, "code-code", "Use 4 to 32 letters and digits."),
    ({"code-code": "A" * 33}, "code-code", "Use 4 to 32 letters and digits."),
    ({"code-code": "taken1"}, "code-code", "This code exists already."),
    ({"code-amount": "0"}, "code-amount", "A percentage is from 1 to 100."),
    ({"code-amount": "101"}, "code-amount", "A percentage is from 1 to 100."),
    ({"code-amount": "12.5"}, "code-amount", "Enter a whole percentage from 1 to 100."),
    ({"code-kind": "fixed", "code-amount": "0"}, "code-amount",
     "A fixed amount is more than $0.00."),
    ({"code-kind": "fixed", "code-amount": "ten"}, "code-amount", "Enter dollars and cents"),
    ({"code-kind": "bogus"}, "code-kind", "Not a valid choice"),
    ({"code-min_order": "-5"}, "code-min_order", "Enter dollars and cents"),
    ({"code-max_uses": "0"}, "code-max_uses", "Give a number of uses from 1, or none."),
    ({"code-expires_at": moment(-3)}, "code-expires_at", "The expiry must come after the start."),
])
def test_a_code_is_refused_with_a_message_next_to_the_field(marketing, overrides, field,
                                                            message):
    promotion = make_promotion()
    PromoCode.create(promotion=promotion, code="TAKEN1", kind="percent", amount=5,
                     starts_at=utcnow(), expires_at=utcnow() + timedelta(days=1))
    page = f"/staff/marketing/promotions/{promotion.id}"
    response = post_form(marketing, f"{page}/codes", code_form(**overrides), token_page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = html.index(f'id="{field}-error"')
    assert message in html[error:error + 300]
    assert PromoCode.select().count() == 1


@pytest.mark.parametrize("role, status", [("care", 403), ("fulfilment", 403), ("legal", 403),
                                          ("admin", 200), ("marketing", 200)])
def test_only_marketing_and_admins_manage_promotions(client, db, role, status):
    promotion = make_promotion()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    for path in ("/staff/marketing/promotions", NEW,
                 f"/staff/marketing/promotions/{promotion.id}"):
        assert client.get(path).status_code == status
    client.post(NEW, data=promotion_form())
    assert Promotion.select().count() == 1


def test_a_huge_or_unknown_id_is_not_found(marketing):
    for path in ("/staff/marketing/promotions/99999999999999999999",
                 "/staff/marketing/promotions/12345",
                 "/staff/marketing/promotions/12345/codes/1"):
        assert marketing.get(path).status_code == 404


def test_the_home_page_lists_live_promotions_only(client, db):
    make_promotion("live-now", title="Live Now", image="/static/live.jpg")
    make_promotion("later", days=(2, 10), title="Later On")
    make_promotion("over", days=(-10, -1), title="All Over")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/promotions/live-now"' in html and "Live Now" in html
    assert 'src="/static/live.jpg"' in html
    assert "Later On" not in html and "All Over" not in html
    assert client.get("/promotions/live-now").status_code == 200
    for slug in ("later", "over", "unknown", "x" * 300, "Live-Now", ".."):
        assert client.get(f"/promotions/{slug}").status_code == 404


def test_no_promotion_no_block(client, db):
    assert 'id="promotions"' not in client.get("/").get_data(as_text=True)


def test_the_promotion_page_renders_its_markdown_safely(client, db):
    make_promotion(body="# Lamps\n\n**Bold** <script>alert(1)</script> "
                        "[x](javascript:alert(1))")
    html = client.get("/promotions/spring").get_data(as_text=True)
    assert "<h2>Lamps</h2>" in html and "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html and "href=\"javascript" not in html


def test_a_partners_promotions_show_inside_its_co_brand_only(client, db):
    riverbooks = make_partner("riverbooks", name="Riverbooks")
    northwind = make_partner("northwind", name="Northwind")
    make_promotion("shop-wide", title="Shop Wide")
    make_promotion("readers", title="Readers Week", partner=riverbooks)
    make_promotion("hikers", title="Hikers Days", partner=northwind)
    outside = client.get("/").get_data(as_text=True)
    assert "Shop Wide" in outside
    assert "Readers Week" not in outside and "Hikers Days" not in outside
    assert client.get("/promotions/readers").status_code == 404
    client.get("/co/riverbooks/")  # enters the co-brand (a redirect once cookies are kept)
    inside = client.get("/").get_data(as_text=True)
    assert "Shop Wide" in inside and "Readers Week" in inside
    assert "Hikers Days" not in inside
    assert client.get("/promotions/readers").status_code == 200
    assert client.get("/promotions/hikers").status_code == 404


def test_the_home_page_reads_the_promotions_with_one_query(app, client, db):
    for number in range(10):
        make_promotion(f"promo-{number}")
    client.get("/")  # warm up the rest of the page
    statements = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        db.obj.execute_sql = original
    assert html.count('href="/promotions/promo-') == 6  # the newest six
    assert len([sql for sql in statements if '"promotion"' in sql]) == 1
