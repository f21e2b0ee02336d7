"""The public contact form (/contact)."""
from flask import Blueprint

bp = Blueprint("support", __name__, template_folder="templates")
