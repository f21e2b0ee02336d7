"""Opting out without signing in (P20): the public opt-out form, the one-click unsubscribe
link every marketing mail carries (/unsubscribe/<token>, RFC 8058), and the link in an
opt-out notice that undoes it.

The links are exempt from CSRF: the signed token in the URL is the authority, and a mail
client's one-click POST (RFC 8058) comes without cookies. A GET of a link changes nothing.
"""
from flask import Blueprint, render_template

from storefront.extensions import csrf
from storefront.privacy import mailing
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING, SITE_UPDATES
from storefront.privacy.forms import OptOutForm
from storefront.privacy.policy import added_uses
from storefront.web.params import client_ip

bp = Blueprint("optout", __name__, template_folder="templates")


@bp.route("/privacy/opt-out", methods=["GET", "POST"])
def form():
    """Stop marketing mail to an address."""
    opt_out = OptOutForm()
    if opt_out.validate_on_submit():
        boxes = ((SHOP_MARKETING, opt_out.stop_shop), (PARTNER_OFFERS, opt_out.stop_partner),
                 (SITE_UPDATES, opt_out.stop_updates))
        purposes = [purpose for purpose, box in boxes if box.data]
        if opt_out.stop_new_uses.data:
            purposes += list(added_uses())
        mailing.opt_out_by_form(opt_out.email.data, purposes, client_ip())
        # The same answer whether or not we knew the address: the page reveals nothing.
        return render_template("privacy/optout_done.html")
    return render_template("privacy/optout.html", form=opt_out), 400 if opt_out.errors else 200


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    """What the link will stop, and a button: opening a link changes nothing by itself
    (mail scanners open links)."""
    return _link_page("privacy/unsubscribe.html", token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token):
    """One click: the consent is withdrawn at once; the answer is a page, not a redirect."""
    return _link_page("privacy/unsubscribe.html", token, act=mailing.unsubscribe)


@bp.get("/privacy/resume/<token>")
def resume(token):
    """The link in an opt-out notice: a button that takes the opt-out back."""
    return _link_page("privacy/resume.html", token, salt=mailing.RESUBSCRIBE_SALT,
                      days=mailing.RESUME_LINK_DAYS)


@bp.post("/privacy/resume/<token>")
@csrf.exempt
def resume_now(token):
    """Take the opt-out back."""
    return _link_page("privacy/resume.html", token, act=mailing.resume,
                      salt=mailing.RESUBSCRIBE_SALT, days=mailing.RESUME_LINK_DAYS)


def _link_page(template, token, act=None, salt=mailing.UNSUBSCRIBE_SALT, days=None):
    """A link's page: what it acts on, and (with act) the act done; 400 for a bad link."""
    try:
        purposes = mailing.describe_token(token, salt, days)
        if act is not None:
            act(token, client_ip())
    except mailing.BadLink as error:
        return render_template("privacy/bad_link.html", reason=str(error)), 400
    return render_template(template, purposes=purposes, done=act is not None)
