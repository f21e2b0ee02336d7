"""Back office → Partners: co-brand partners, their logos and their staff logins."""
from flask import Blueprint

bp = Blueprint("backoffice_partners", __name__, url_prefix="/staff/partners",
               template_folder="templates")
