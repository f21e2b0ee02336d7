"""Care → Request log (P8): a visitor's or an IP address's recent errors, for diagnostics."""
from flask import Blueprint

bp = Blueprint("care_requests", __name__, url_prefix="/care/requests",
               template_folder="templates")
