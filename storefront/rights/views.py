"""My Account → Download my data, Delete my account."""
from flask import Blueprint

bp = Blueprint("rights", __name__, url_prefix="/account", template_folder="templates")
