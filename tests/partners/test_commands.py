"""`storefront partners add|list` and partner staff accounts from the command line."""
from storefront.accounts.models import StaffUser
from storefront.partners.models import Partner
from tests.factories import STAFF_PASSWORD


def test_partners_add_and_list(runner, db):
    result = runner.invoke(args=[
        "partners", "add", "riverbooks", "--name", "Riverbooks", "--privacy-url",
        "https://riverbooks.example/privacy", "--frame", "bottom",
        "--host", "Shop.Riverbooks.example", "--host", "rb.example", "--logo", "logo.svg",
        "--no-both-logos"])
    assert result.exit_code == 0, result.output
    partner = Partner.get()
    assert (partner.slug, partner.frame, partner.hosts, partner.logo, partner.show_both_logos) \
        == ("riverbooks", "bottom", "shop.riverbooks.example rb.example", "logo.svg", False)
    listing = runner.invoke(args=["partners", "list"]).output
    assert "riverbooks" in listing and "bottom" in listing and "Riverbooks" in listing


def test_partners_add_refuses_bad_input(runner, db):
    base = ["partners", "add", "acme", "--name", "Acme", "--privacy-url", "https://acme.example/p"]
    for extra, message in [
            (["--privacy-url", "javascript:alert(1)"], "http(s)"),
            (["--host", "evil.example/path"], "Host names"),
            (["--logo", "../../etc/passwd"], "image file"),
            (["--logo", "missing.svg"], "image file")]:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0 and message in result.output, result.output
    for slug in ["default", "Bad Slug", "../x"]:
        result = runner.invoke(args=["partners", "add", slug, "--name", "X", "--privacy-url",
                                     "https://x.example/"])
        assert result.exit_code != 0
    assert runner.invoke(args=base).exit_code == 0
    assert "exists already" in runner.invoke(args=base).output
    assert Partner.select().count() == 1


def test_staff_add_ties_a_partner_account_to_its_partner(runner, riverbooks):
    result = runner.invoke(args=["staff", "add", "rb@partner.example", "--role", "partner",
                                 "--partner", "riverbooks", "--password", STAFF_PASSWORD])
    assert result.exit_code == 0, result.output
    assert StaffUser.get().partner_id == riverbooks.id


def test_staff_add_refuses_partner_role_and_partner_option_apart(runner, riverbooks):
    for args, message in [
            (["--role", "partner"], "needs --partner"),
            (["--role", "care", "--partner", "riverbooks"], "role partner alone"),
            (["--role", "partner", "--role", "admin", "--partner", "riverbooks"],
             "role partner alone"),
            (["--role", "partner", "--partner", "nobody"], "No partner")]:
        result = runner.invoke(args=["staff", "add", "x@partner.example", *args,
                                     "--password", STAFF_PASSWORD])
        assert result.exit_code != 0 and message in result.output, result.output
    assert StaffUser.select().count() == 0
