"""History pages of the back office: a page of a record's changes (catalogue.history) with
the names of the staff members who made them."""
from storefront.accounts.models import StaffUser


def page_with_names(log, owner_id, number, size):
    """One page of a record's history in log (catalogue.history.PRODUCTS, CATEGORIES) with
    the name of the staff member of each change: (Page of (change row, changes),
    {staff_id: name}). The names take one query, however many changes the page shows."""
    page = log.page(owner_id, number, size)
    ids = {row.staff_id for row, _ in page.items if row.staff_id}
    names = {member.id: member.name or member.email
             for member in StaffUser.select().where(StaffUser.id.in_(ids))} if ids else {}
    return page, names
