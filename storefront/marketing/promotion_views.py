"""Promotion pages (P6): staff write them and their codes; shoppers see the live ones, on the
home page and at /promotions/<slug> (a partner's only inside its co-brand)."""
import re

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import attach_error
from storefront.db import utcnow
from storefront.marketing import promotions
from storefront.marketing.blueprints import public, staff
from storefront.marketing.models import PromoCode, Promotion
from storefront.partners.models import Partner
from storefront.privacy.policy import render_markdown
from storefront.web.fields import Moment, strip
from storefront.web.memo import TimedCache
from storefront.web.money import format_money

ROLES = ("marketing", "admin")
MAX_ID = 2**31 - 1
_DOLLARS = re.compile(r"\$?\s*([0-9]{1,7})(?:\.([0-9]{1,2}))?")
_live = TimedCache(max_entries=64)


def home_promotions():
    """The live promotions for the home page in this request's co-brand (or none); kept for
    CACHE_SECONDS per process, like the catalogue's listings."""
    partner = g.get("partner")
    partner_id = partner.id if partner is not None else None
    return _live.get(("home", partner_id), current_app.config["CACHE_SECONDS"],
                     lambda: promotions.live(partner_id, utcnow()))


def _cents(text):
    """Dollars and cents as typed ('12', '12.5', '$12.50') in cents, or None."""
    match = _DOLLARS.fullmatch(text or "")
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class PromotionForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the promotion a title."), Length(max=120)])
    slug = StringField("Address (slug)", filters=[strip], validators=[Length(max=80)])
    body = TextAreaField("Text (Markdown)", filters=[strip],
                         validators=[Length(max=20_000)], render_kw={"rows": 10, "cols": 46})
    image = StringField("Image", filters=[strip], validators=[Length(max=200)])
    starts_at = Moment("Starts (UTC)", validators=[InputRequired("Enter when it starts.")])
    ends_at = Moment("Ends (UTC)", validators=[InputRequired("Enter when it ends.")])
    partner = SelectField("Partner", validate_choice=False)


class CodeForm(FlaskForm):
    code = StringField("Code", filters=[strip], validators=[
        DataRequired("Enter the code."), Length(max=40)], render_kw={"autocomplete": "off"})
    kind = RadioField("Kind", choices=[SelectChoice(PromoCode.PERCENT, "A percentage off"),
                                       SelectChoice(PromoCode.FIXED, "A fixed amount off")],
                      validators=[InputRequired("Choose the kind of discount.")])
    amount = StringField("Amount", filters=[strip], validators=[
        DataRequired("Enter the amount."), Length(max=12)])
    min_order = StringField("Minimum order (products, in dollars)", filters=[strip],
                            validators=[Length(max=12)])
    max_uses = IntegerField("Maximum uses", validators=[
        Optional(), NumberRange(1, 10_000_000, "Give a number of uses from 1, or none.")])
    starts_at = Moment("Valid from (UTC)", validators=[InputRequired("Enter when it starts.")])
    expires_at = Moment("Expires (UTC)", validators=[InputRequired("Enter when it expires.")])
    is_active = BooleanField("Active", default=True)

    def parsed(self):
        """A CodeData, or None after putting the amounts' problems next to their fields."""
        if self.kind.data == PromoCode.PERCENT:
            amount = int(self.amount.data) if self.amount.data.isdigit() and \
                len(self.amount.data) < 4 else None
            wrong = "Enter a whole percentage from 1 to 100."
        else:
            amount = _cents(self.amount.data)
            wrong = "Enter dollars and cents, like 5.00."
        minimum = _cents(self.min_order.data) if self.min_order.data else 0
        if amount is None:
            self.amount.errors.append(wrong)
        if minimum is None:
            self.min_order.errors.append("Enter dollars and cents, like 50.00, or leave it "
                                         "empty.")
        if amount is None or minimum is None:
            return None
        return promotions.CodeData(self.code.data, self.kind.data, amount, minimum,
                                   self.max_uses.data, self.starts_at.data,
                                   self.expires_at.data, self.is_active.data)


def _posted(posted):
    """True when this form is the one the request posts (only its fields count then)."""
    return posted and request.method == "POST"


def _promotion_form(promotion, posted=True):
    """The promotion's form: as posted, or as saved (posted=False: another form was posted)."""
    if _posted(posted):
        form = PromotionForm()
    else:
        form = PromotionForm(formdata=None, data=promotion and {
            "title": promotion.title, "slug": promotion.slug, "body": promotion.body,
            "image": promotion.image, "starts_at": promotion.starts_at,
            "ends_at": promotion.ends_at, "partner": str(promotion.partner_id or "")})
    form.partner.choices = [SelectChoice("", "None: the shop's own")] + [
        SelectChoice(str(partner.id), partner.name)
        for partner in Partner.select().order_by(Partner.name)]
    return form


def _promotion_data(form):
    partner = form.partner.data or ""
    return promotions.PromotionData(
        form.title.data, (form.slug.data or "").lower(), form.body.data or "",
        form.image.data or "", form.starts_at.data, form.ends_at.data,
        None if not partner else int(partner) if partner.isdigit() and len(partner) < 10
        else 0)  # 0 is no partner's id: refused with the message for a wrong choice


def _code_form(code, posted=True):
    """A code's form (its fields named code-…: it may share a page with the promotion's), as
    posted or as saved."""
    if _posted(posted):
        return CodeForm(prefix="code")
    return CodeForm(prefix="code", formdata=None, data=code and {
        "code": code.code, "kind": code.kind, "max_uses": code.max_uses,
        "amount": str(code.amount) if code.kind == PromoCode.PERCENT else
        format_money(code.amount, ""), "min_order": format_money(code.min_order_cents, ""),
        "starts_at": code.starts_at, "expires_at": code.expires_at,
        "is_active": code.is_active})


def _found(model, record_id, **where):
    if record_id > MAX_ID:
        abort(404)
    record = model.get_or_none(model.id == record_id, *[
        getattr(model, name) == value for name, value in where.items()])
    if record is None:
        abort(404)
    return record


@staff.get("/promotions")
@staff_route(*ROLES)
def promotions_list():
    """Every promotion with its dates and codes."""
    return render_template("marketing/promotions.html", promotions=promotions.all_promotions(),
                           now=utcnow())


@staff.route("/promotions/new", methods=["GET", "POST"])
@staff_route(*ROLES)
def promotion_new():
    """Write a new promotion; its codes are added on its page afterwards."""
    return _edit_promotion(None)


@staff.route("/promotions/<int:promotion_id>", methods=["GET", "POST"])
@staff_route(*ROLES)
def promotion_edit(promotion_id):
    """Change a promotion; its codes, and the form that adds one."""
    return _edit_promotion(_found(Promotion, promotion_id))


def _edit_promotion(promotion):
    form = _promotion_form(promotion)
    if form.validate_on_submit():
        try:
            saved = promotions.save_promotion(promotion, _promotion_data(form), current_staff())
        except promotions.PromotionError as error:
            attach_error(form, error)
        else:
            _live.clear()
            flash(f"The promotion {saved.title} is saved.", "success")
            return redirect(url_for("marketing_staff.promotion_edit", promotion_id=saved.id))
    return _promotion_page(promotion, form, _code_form(None, posted=False) if promotion else None)


def _promotion_page(promotion, form, code_form):
    codes = list(promotion.codes.order_by(PromoCode.code)) if promotion else []
    status = 400 if form.errors or (code_form and code_form.errors) else 200
    return render_template("marketing/promotion_form.html", promotion=promotion, form=form,
                           code_form=code_form, codes=codes), status


@staff.post("/promotions/<int:promotion_id>/codes")
@staff_route(*ROLES)
def promotion_code_new(promotion_id):
    """Add a promotion code to the promotion."""
    promotion = _found(Promotion, promotion_id)
    code_form = _code_form(None)
    if _save_code(promotion, None, code_form):
        return redirect(url_for("marketing_staff.promotion_edit", promotion_id=promotion.id))
    return _promotion_page(promotion, _promotion_form(promotion, posted=False), code_form)


@staff.route("/promotions/<int:promotion_id>/codes/<int:code_id>", methods=["GET", "POST"])
@staff_route(*ROLES)
def promotion_code_edit(promotion_id, code_id):
    """Change a promotion code (its uses so far stay)."""
    promotion = _found(Promotion, promotion_id)
    code = _found(PromoCode, code_id, promotion=promotion.id)
    form = _code_form(code)
    if _save_code(promotion, code, form):
        return redirect(url_for("marketing_staff.promotion_edit", promotion_id=promotion.id))
    return render_template("marketing/promotion_code.html", promotion=promotion, code=code,
                           form=form), 400 if form.errors else 200


def _save_code(promotion, code, form):
    """True when the posted code was saved; otherwise its problems are on the form."""
    if not form.validate_on_submit():
        return False
    data = form.parsed()
    if data is None:
        return False
    try:
        saved = promotions.save_code(promotion, code, data)
    except promotions.PromotionError as error:
        attach_error(form, error)
        return False
    flash(f"The code {saved.code} is saved.", "success")
    return True


@public.get("/promotions/<slug>")
def promotion(slug):
    """A live promotion's page; 404 when it is not live, unknown, or another co-brand's."""
    partner = g.get("partner")
    found = promotions.live_promotion(slug, partner.id if partner else None, utcnow())
    if found is None:
        abort(404)
    return render_template("marketing/promotion.html", promotion=found,
                           body=render_markdown(found.body))
