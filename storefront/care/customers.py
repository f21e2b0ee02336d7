"""Care → Customers: find a customer, see everything care may see of them, call notes, and
opt-outs by phone (P4, P20, P21)."""
from flask import Blueprint

bp = Blueprint("care_customers", __name__, url_prefix="/care", template_folder="templates")
