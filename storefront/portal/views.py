"""The partner portal: a partner's staff see their own co-brand customers and orders only."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/partner", template_folder="templates")
