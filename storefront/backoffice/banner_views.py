"""Back office → Banners: where each banner shows and leads, when, and what its clicks bring."""
from flask import Blueprint

bp = Blueprint("backoffice_banners", __name__, url_prefix="/staff/banners",
               template_folder="templates")
