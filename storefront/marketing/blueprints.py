"""The marketing pages: one public blueprint and one for staff (/staff/marketing/…); each
feature's views module adds its routes to them, and views.py imports every such module."""
from flask import Blueprint

public = Blueprint("marketing", __name__, template_folder="templates")
staff = Blueprint("marketing_staff", __name__, url_prefix="/staff/marketing",
                  template_folder="templates")
