"""Opting out without signing in (P20): the public opt-out form and the one-click
unsubscribe link every marketing mail carries (/unsubscribe/<token>, RFC 8058)."""
from flask import Blueprint

bp = Blueprint("optout", __name__, template_folder="templates")
