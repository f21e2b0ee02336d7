"""Care → Phone orders (P21): an associate takes an order on the phone for a customer or a
new caller."""
from flask import Blueprint

bp = Blueprint("care_phone", __name__, url_prefix="/care/phone-orders",
               template_folder="templates")
