"""Staff → Privacy: policy versions (publish), legal disclosures, the audit log."""
from flask import Blueprint

bp = Blueprint("rights_staff", __name__, url_prefix="/staff/privacy",
               template_folder="templates")
from storefront.rights import legal_views  # noqa: E402,F401
from storefront.rights import policy_views  # noqa: E402,F401
