"""Care → Correspondence (P10): contact-form messages and mail to the care address."""
from flask import Blueprint

bp = Blueprint("care_inbox", __name__, url_prefix="/care/inbox", template_folder="templates")
