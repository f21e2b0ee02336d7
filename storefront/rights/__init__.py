"""A person's rights over their data: download it, delete the account; legal disclosure, the
audit log and policy publishing for staff. Built on every domain's records, through the data
inventory (privacy/inventory.py); nothing below imports it."""
