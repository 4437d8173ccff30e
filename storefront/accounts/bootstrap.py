"""The first staff account: ``STOREFRONT_ADMIN_EMAIL``/``PASSWORD`` own the default store."""

from __future__ import annotations

from sqlalchemy import select

from storefront.accounts.models import Staff, StaffRole
from storefront.accounts.passwords import hash_password, verify_password
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store


def ensure_owner(store: Store, email: str, password: str) -> Staff:
    """Create the store's owner with these credentials, or reset an existing one's password."""
    email = email.strip().lower()
    staff = db.session.scalar(in_store(select(Staff).where(Staff.email == email), store.id))
    if staff is None:
        staff = Staff(store_id=store.id, email=email, name="Owner", role=StaffRole.OWNER)
        db.session.add(staff)
    if not staff.password_hash or not verify_password(staff.password_hash, password):
        staff.password_hash = hash_password(password)
    staff.role = StaffRole.OWNER
    staff.is_active = True
    db.session.flush()
    return staff
