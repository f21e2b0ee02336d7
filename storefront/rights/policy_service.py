"""Staff → Privacy → Policy versions: who a new version's notice goes to, and the versions
with the staff member who published each. Privacy sits below accounts, so the accounts are
gathered here."""
from storefront.accounts.models import Customer, StaffUser
from storefront.db import utcnow
from storefront.privacy import consent, publishing
from storefront.privacy.models import PolicyVersion
from storefront.privacy.policy import FIRST_VERSION, current_version


def notice_recipients():
    """(address, customer id or None): every account not erased, then every address on the
    marketing list (publishing sends one notice per address, naming the account if any)."""
    accounts = [(row.email, row.id) for row in
                Customer.select(Customer.id, Customer.email)
                .where(Customer.erased_at.is_null()).order_by(Customer.id)]
    return accounts + [(address, None) for address in consent.marketing_list()]


def publish(label, summary, body, adds_uses, effective_at, staff):
    """Publish a version and notify everyone it concerns; see privacy.publishing.publish."""
    return publishing.publish(label, summary, body, adds_uses, effective_at, staff.id,
                              notice_recipients())


def versions(now=None):
    """Every published version, the latest to take effect first, as (version, publisher or
    None, status), then the status of the shop's first, built-in version. A status is
    IN_FORCE, WAITING (its date has not come) or REPLACED."""
    now = now or utcnow()
    in_force = current_version(now).label
    rows = list(PolicyVersion.select()
                .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.id.desc()))
    ids = {row.published_by_id for row in rows if row.published_by_id is not None}
    staff = {member.id: member for member in StaffUser.select().where(StaffUser.id.in_(ids))}

    def status(version):
        if version.label == in_force:
            return IN_FORCE
        return WAITING if version.effective_at > now else REPLACED

    return ([(row, staff.get(row.published_by_id), status(row)) for row in rows],
            status(FIRST_VERSION))


IN_FORCE, WAITING, REPLACED = "In force now", "Waiting for its date", "Replaced"
