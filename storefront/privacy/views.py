"""The public privacy page (/privacy): what this shop collects today and why.

The privacy issue replaces the hand-written table with one derived from the data inventory.
"""
from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/privacy")
def policy():
    """What we collect, why, and how long we keep it."""
    return render_template("privacy/policy.html")
