"""The demo shop (`storefront seed`) and the large generated catalogue for benchmarks."""
import os
import random
import secrets
from datetime import date, timedelta
from pathlib import Path

from storefront.accounts import service as accounts
from storefront.accounts.models import STAFF_ROLES, Customer
from storefront.catalogue.models import Availability, Category, Product, ProductWord
from storefront.catalogue.service import index_words, refresh_category_counts, slugify
from storefront.catalogue.words import words_of
from storefront.db import advance_id_sequence, database, utcnow
from storefront.partners import service as partners
from storefront.partners.models import Partner

# name, description, palette hue, nouns, materials
CATEGORIES = [
    ("Furniture", "Tables, chairs and shelves made to last.", 28,
     ["Dining Table", "Armchair", "Bookshelf", "Side Table", "Bench", "Stool", "Desk"],
     ["Oak", "Walnut", "Ash", "Beech", "Pine", "Teak"]),
    ("Lighting", "Lamps and lights for every room.", 48,
     ["Floor Lamp", "Desk Lamp", "Pendant Light", "Wall Sconce", "Lantern", "Table Lamp"],
     ["Brass", "Linen", "Glass", "Paper", "Copper", "Ceramic"]),
    ("Kitchen", "Cookware and tools for the everyday cook.", 8,
     ["Skillet", "Stock Pot", "Knife", "Cutting Board", "Kettle", "Mixing Bowl"],
     ["Cast Iron", "Steel", "Maple", "Enamel", "Copper", "Stoneware"]),
    ("Tableware", "Plates, bowls and glasses for the table.", 200,
     ["Dinner Plate", "Bowl", "Tumbler", "Wine Glass", "Serving Platter", "Mug"],
     ["Porcelain", "Stoneware", "Glass", "Ceramic", "Earthenware", "Crystal"]),
    ("Textiles", "Throws, cushions and linens.", 330,
     ["Throw", "Cushion", "Tablecloth", "Napkin Set", "Rug", "Curtain"],
     ["Wool", "Linen", "Cotton", "Velvet", "Jute", "Cashmere"]),
    ("Garden", "Tools and furniture for outdoors.", 110,
     ["Planter", "Watering Can", "Garden Chair", "Trowel", "Bird Feeder", "Hose Reel"],
     ["Terracotta", "Galvanised", "Cedar", "Wicker", "Zinc", "Rattan"]),
    ("Bath", "Towels and accessories for the bathroom.", 180,
     ["Bath Towel", "Bath Mat", "Soap Dish", "Robe", "Mirror", "Laundry Basket"],
     ["Cotton", "Bamboo", "Marble", "Waffle", "Teak", "Seagrass"]),
    ("Stationery", "Notebooks, pens and desk accessories.", 260,
     ["Notebook", "Fountain Pen", "Desk Organiser", "Letter Tray", "Pencil Case", "Journal"],
     ["Leather", "Recycled Paper", "Brass", "Felt", "Cork", "Linen"]),
]
ADJECTIVES = ["Classic", "Modern", "Rustic", "Nordic", "Handmade", "Compact", "Grand", "Soft",
              "Heritage", "Studio", "Coastal", "Urban"]
STATES = [Availability.AVAILABLE] * 5 + [Availability.ON_RESERVE, Availability.OUT_OF_STOCK,
                                         Availability.DISCONTINUED]


def _svg(name, hue):
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" role="img" '
            f'aria-label="{name}"><rect width="400" height="300" fill="hsl({hue},45%,88%)"/>'
            f'<circle cx="200" cy="150" r="95" fill="hsl({hue},50%,62%)"/>'
            f'<text x="200" y="172" font-family="Georgia,serif" font-size="64" '
            f'text-anchor="middle" fill="hsl({hue},60%,18%)">{initials}</text></svg>')


def _categories():
    found = []
    for position, (name, description, *_rest) in enumerate(CATEGORIES):
        category, _ = Category.get_or_create(slug=slugify(name), defaults={
            "name": name, "description": description, "position": position})
        found.append(category)
    return found


def seed_demo(instance_path):
    """Build the demo shop; return the path of the file holding the demo logins."""
    rng = random.Random(2011)
    media = Path(instance_path) / "media" / "products"
    media.mkdir(parents=True, exist_ok=True)
    with database.atomic():
        categories = _categories()
        for category, (_, _, hue, nouns, materials) in zip(categories, CATEGORIES, strict=True):
            for index, noun in enumerate(nouns + nouns[:2]):
                name = f"{materials[index % len(materials)]} {noun}"
                if index >= len(nouns):
                    name = f"{rng.choice(ADJECTIVES)} {name}"
                state = STATES[(index + category.position) % len(STATES)]
                sku = f"{category.slug[:3].upper()}-{index + 1:03d}"
                (media / f"{sku}.svg").write_text(_svg(name, hue + index * 7))
                product = Product.create(
                    sku=sku, slug=slugify(name), name=name, category=category,
                    description=(f"{name}, from our {category.name.lower()} range. "
                                 f"{category.description}"),
                    price_cents=rng.randrange(900, 45000, 100) - 1,
                    stock=0 if state == Availability.OUT_OF_STOCK else rng.randrange(3, 40),
                    availability=state, weight_grams=rng.randrange(200, 12000, 50),
                    expected_on=date.today() + timedelta(days=21)
                    if state == Availability.ON_RESERVE else None,
                    image=f"products/{sku}.svg",
                    created_at=utcnow() - timedelta(hours=index * 9 + category.position))
                index_words(product)
        refresh_category_counts()
        _demo_partners()
    return _demo_accounts(Path(instance_path))


# Two co-brands with visibly different frames (themes/riverbooks/, themes/northwind/).
DEMO_PARTNERS = [
    {"slug": "riverbooks", "name": "Riverbooks", "frame": "top", "logo": "logo.svg",
     "privacy_url": "https://riverbooks.example/privacy", "hosts": ["riverbooks.localhost"]},
    {"slug": "northwind", "name": "Northwind Outfitters", "frame": "bottom",
     "logo": "logo.svg", "privacy_url": "https://northwind.example/privacy-policy",
     "hosts": ["northwind.localhost"]},
]


def _demo_partners():
    for fields in DEMO_PARTNERS:
        if not Partner.select().where(Partner.slug == fields["slug"]).exists():
            partners.add_partner(**fields)


def _password():
    return secrets.token_urlsafe(12)


def _demo_accounts(instance_path):
    lines = ["Demo logins (generated for this installation; keep them private)", ""]
    password = _password()
    email = "demo@example.com"
    if Customer.by_email_key(accounts.email_key(email)) is None:
        accounts.register_customer(
            "Dana Demo", email, password,
            accounts.AddressData("Dana Demo", "12 Market Street", "Springfield", "62701", "US",
                                 region="IL"),
            None, "+1 217 555 0134", "")
        lines.append(f"customer   {email}   {password}   (sign in at /account/login)")
    for role in STAFF_ROLES:
        password = _password() + _password()
        staff_email = f"{role}@staff.example.com"
        try:  # the partner login sees Riverbooks' portal
            partners.add_staff(staff_email, f"Demo {role}", [role], password,
                               "riverbooks" if role == "partner" else None)
        except partners.PartnerError:
            continue
        lines.append(f"staff      {staff_email:<34} {password}   (sign in at /staff/login)")
    path = instance_path / "demo-logins.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def seed_bulk(count, progress=lambda done: None, batch=1000):
    """Add count generated products spread over the categories, in batches, for benchmarks."""
    rng = random.Random(count)
    categories = _categories()
    start = (Product.select(Product.id).order_by(Product.id.desc()).scalar() or 0) + 1
    now = utcnow()
    done = 0
    with database.atomic():
        while done < count:
            products, words = [], []
            for product_id in range(start + done, start + min(done + batch, count)):
                category_index = product_id % len(categories)
                _, _, _, nouns, materials = CATEGORIES[category_index]
                name = f"{rng.choice(ADJECTIVES)} {rng.choice(materials)} {rng.choice(nouns)}"
                sku = f"GEN-{product_id:07d}"
                description = f"{name}, generated for load tests."
                products.append({
                    "id": product_id, "sku": sku, "slug": f"{slugify(name)}-{product_id}",
                    "name": name, "description": description,
                    "price_cents": rng.randrange(500, 90000), "stock": rng.randrange(0, 50),
                    "availability": rng.choice(STATES), "weight_grams": rng.randrange(100, 9000),
                    "category": categories[category_index].id,
                    "created_at": now - timedelta(seconds=count - (product_id - start)),
                    "is_hidden": False,
                })
                words.extend({"word": w, "product": product_id}
                             for w in words_of(f"{name} {sku} {description}"))
            Product.insert_many(products).execute()
            for offset in range(0, len(words), 5000):
                ProductWord.insert_many(words[offset:offset + 5000]).execute()
            done += len(products)
            progress(done)
        advance_id_sequence(Product)
        refresh_category_counts()
    # Fresh planner statistics: without them PostgreSQL sorts the whole table for a search.
    database.execute_sql("ANALYZE")
