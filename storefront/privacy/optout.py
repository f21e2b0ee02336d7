"""Opting out without signing in (P20): the public opt-out form, the one-click unsubscribe
link every marketing mail carries (/unsubscribe/<token>, RFC 8058), and the link in an
opt-out notice that undoes it.

The links are exempt from CSRF: the signed token in the URL is the authority, and a mail
client's one-click POST (RFC 8058) comes without cookies. A GET of a link changes nothing.
"""
from flask import Blueprint, render_template

from storefront.extensions import csrf
from storefront.privacy import mailing
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING
from storefront.privacy.forms import OptOutForm
from storefront.web.params import client_ip

bp = Blueprint("optout", __name__, template_folder="templates")


@bp.route("/privacy/opt-out", methods=["GET", "POST"])
def form():
    """Stop marketing mail to an address."""
    opt_out = OptOutForm()
    if opt_out.validate_on_submit():
        purposes = [purpose for purpose, ticked in ((SHOP_MARKETING, opt_out.stop_shop.data),
                                                    (PARTNER_OFFERS, opt_out.stop_partner.data))
                    if ticked]
        mailing.opt_out_by_form(opt_out.email.data, purposes, client_ip())
        # The same answer whether or not we knew the address: the page reveals nothing.
        return render_template("privacy/optout_done.html")
    return render_template("privacy/optout.html", form=opt_out), 400 if opt_out.errors else 200


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    """What the link will stop, and a button: opening a link changes nothing by itself
    (mail scanners open links)."""
    try:
        purposes = mailing.describe_token(token)
    except mailing.BadLink as error:
        return _bad_link(error)
    return render_template("privacy/unsubscribe.html", purposes=purposes, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token):
    """One click: the consent is withdrawn at once; the answer is a page, not a redirect."""
    try:
        purposes = mailing.describe_token(token)
        mailing.unsubscribe(token, client_ip())
    except mailing.BadLink as error:
        return _bad_link(error)
    return render_template("privacy/unsubscribe.html", purposes=purposes, done=True)


@bp.get("/privacy/resume/<token>")
def resume(token):
    """The link in an opt-out notice: a button that takes the opt-out back."""
    try:
        purposes = mailing.describe_token(token, mailing.RESUBSCRIBE_SALT,
                                          mailing.RESUME_LINK_DAYS)
    except mailing.BadLink as error:
        return _bad_link(error)
    return render_template("privacy/resume.html", purposes=purposes, done=False)


@bp.post("/privacy/resume/<token>")
@csrf.exempt
def resume_now(token):
    """Take the opt-out back."""
    try:
        purposes = mailing.describe_token(token, mailing.RESUBSCRIBE_SALT,
                                          mailing.RESUME_LINK_DAYS)
        mailing.resume(token, client_ip())
    except mailing.BadLink as error:
        return _bad_link(error)
    return render_template("privacy/resume.html", purposes=purposes, done=True)


def _bad_link(error):
    return render_template("privacy/bad_link.html", reason=str(error)), 400
