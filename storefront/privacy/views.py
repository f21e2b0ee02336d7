"""The public privacy page (/privacy): the policy version in force, and what the shop keeps,
why, who receives it and for how long, told from the data inventory (privacy/inventory.py),
so the page changes when the declaration does."""
from flask import Blueprint, current_app, render_template

from storefront.privacy import inventory
from storefront.privacy.consent import PURPOSES
from storefront.privacy.policy import current_version

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/privacy")
def policy():
    """What we collect, why, who receives it, how long we keep it, and how to opt out."""
    return render_template("privacy/policy.html", version=current_version(),
                           told=inventory.told(current_app.config),
                           purposes=PURPOSES.values(),
                           care_email=current_app.config["CARE_EMAIL"])
