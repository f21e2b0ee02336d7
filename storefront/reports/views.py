"""Aggregate reports (P12): sales, conversion by source and banner, traffic, regions."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/staff/reports", template_folder="templates")
