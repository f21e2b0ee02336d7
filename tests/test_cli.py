"""The `storefront` command: migrate, seed the demo shop, seed a large catalogue."""
from pathlib import Path

from storefront.accounts.models import STAFF_ROLES, Customer, StaffUser
from storefront.catalogue.models import Availability, Category, Product, ProductWord

from tests.factories import sign_in, staff_sign_in


def test_seed_builds_the_demo_shop(app, runner, db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert Product.select().count() >= 60 and Category.select().count() >= 6
    states = {p.availability for p in Product.select(Product.availability)}
    assert states == {Availability.AVAILABLE, Availability.ON_RESERVE,
                      Availability.OUT_OF_STOCK, Availability.DISCONTINUED}
    for category in Category.select():
        assert category.product_count == category.products.count() > 0
    media = Path(app.config["INSTANCE_PATH"]) / "media"
    assert all((media / p.image).read_text().startswith("<svg") for p in Product.select())
    logins = (Path(app.config["INSTANCE_PATH"]) / "demo-logins.txt").read_text()
    assert "demo@example.com" in logins and Customer.select().count() == 1
    assert {s.roles for s in StaffUser.select()} == set(STAFF_ROLES)
    assert all(f"{role}@staff.example.com" in logins for role in STAFF_ROLES)
    # Seeding again when the shop has products changes nothing.
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "not seeding" in result.output and Product.select().count() >= 60


def test_demo_logins_work(app, runner, db):
    runner.invoke(args=["seed"])
    logins = (Path(app.config["INSTANCE_PATH"]) / "demo-logins.txt").read_text().split()
    password = logins[logins.index("demo@example.com") + 1]
    client = app.test_client()
    assert sign_in(client, "demo@example.com", password).status_code == 302
    admin_password = logins[logins.index("admin@staff.example.com") + 1]
    assert staff_sign_in(app.test_client(), "admin@staff.example.com",
                         admin_password).status_code == 302


def test_seed_products_builds_a_large_searchable_catalogue(client, runner, db):
    result = runner.invoke(args=["seed", "--products", "3000"])
    assert result.exit_code == 0, result.output
    assert "3,000/3,000 products" in result.output
    assert Product.select().count() == 3000
    assert ProductWord.select().count() > 3 * 3000
    assert sum(c.product_count for c in Category.select()) == 3000
    furniture = Category.get(Category.slug == "furniture")
    html = client.get(f"/c/furniture?page={furniture.product_count // 24}").get_data(as_text=True)
    assert html.count('class="card"') == 24
    # A second run adds more without clashing ids, SKUs or slugs.
    assert runner.invoke(args=["seed", "--products", "10"]).exit_code == 0
    assert Product.select().count() == 3010
    assert Product.create(sku="NEW-1", slug="new-1", name="New", price_cents=1,
                          category=furniture).id == 3011


def test_migrate_command_reports_nothing_to_do(runner, db):
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0 and "schema is up to date" in result.output
