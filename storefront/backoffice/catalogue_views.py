"""Back office → Catalogue: products and categories, stock and availability, images, history."""
from flask import Blueprint

bp = Blueprint("backoffice_catalogue", __name__, url_prefix="/staff/catalogue",
               template_folder="templates")
