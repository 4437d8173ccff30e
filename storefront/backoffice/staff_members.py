"""Staff management: the store's staff members, their roles, deactivation and the store's
two-factor requirement (permission ``staff.manage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storefront.accounts import services as accounts
from storefront.accounts.models import (
    Staff,
    StaffRole,
)
from storefront.accounts.passwords import hash_password
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.backoffice.errors import (
    BackofficeError,
    EmailTaken,
    LastOwner,
    NotFound,
    SelfDeactivate,
)
from storefront.extensions import db


def list_staff(actor: Staff) -> Sequence[Staff]:
    require_permission(actor, "staff.manage")
    return db.session.scalars(select(Staff).order_by(Staff.created_at, Staff.id)).all()


def get_staff(actor: Staff, staff_id: int) -> Staff:
    require_permission(actor, "staff.manage")
    staff = db.session.scalar(select(Staff).where(Staff.id == staff_id))
    if staff is None:
        raise NotFound(_("No such staff member."))
    return staff


def create_staff(
    actor: Staff, *, email: str, name: str, role: str, password: str, ip: str | None = None
) -> Staff:
    require_permission(actor, "staff.manage")
    email = accounts.normalise_email(email)
    fields: dict[str, Any] = {}
    if not email or "@" not in email.strip("@"):
        fields["email"] = _("Enter a valid email address.")
    if not (name or "").strip():
        fields["name"] = _("Enter a name.")
    if role not in {r.value for r in StaffRole}:
        fields["role"] = _("Choose a role.")
    problem = accounts.validators.password_problem(password or "", email=email, name=name)
    if problem:
        fields["password"] = accounts.PASSWORD_MESSAGES[problem]
    if fields:
        raise BackofficeError(_("Please correct the marked fields."), fields=fields)
    if db.session.scalar(select(Staff.id).where(Staff.email == email)) is not None:
        raise EmailTaken(_("A staff member with this email exists."), fields={"email": _("Taken.")})
    staff = Staff(
        store_id=actor.store_id,
        email=email,
        name=name.strip(),
        role=StaffRole(role),
        password_hash=hash_password(password),
    )
    try:
        with db.session.begin_nested():  # a concurrent insert of the same email undoes only this
            db.session.add(staff)
    except IntegrityError:
        raise EmailTaken(_("A staff member with this email exists.")) from None
    audit.record(actor, "staff.create", staff, {"email": email, "role": role}, ip)
    db.session.flush()
    return staff


def _owners_left(excluding: Staff) -> int:
    return (
        db.session.scalar(
            select(func.count(Staff.id)).where(
                Staff.role == StaffRole.OWNER, Staff.is_active.is_(True), Staff.id != excluding.id
            )
        )
        or 0
    )


def change_role(actor: Staff, staff: Staff, role: str, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    if role not in {r.value for r in StaffRole}:
        raise BackofficeError(_("Choose a role."), fields={"role": _("Choose.")})
    if staff.role == StaffRole.OWNER and role != StaffRole.OWNER and _owners_left(staff) == 0:
        raise LastOwner(_("The store must keep an active owner."))
    old = str(staff.role)
    staff.role = StaffRole(role)
    audit.record(actor, "staff.role", staff, {"from": old, "to": role}, ip)
    db.session.flush()


def set_staff_active(actor: Staff, staff: Staff, active: bool, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    if not active and staff.id == actor.id:
        raise SelfDeactivate(_("You cannot deactivate yourself."))
    if not active and staff.role == StaffRole.OWNER and _owners_left(staff) == 0:
        raise LastOwner(_("The store must keep an active owner."))
    staff.is_active = active
    if not active:
        accounts.log_out_everywhere(staff)  # sessions and API tokens end now
    audit.record(actor, "staff.activate" if active else "staff.deactivate", staff, {}, ip)
    db.session.flush()


def set_staff_2fa(actor: Staff, required: bool, ip: str | None = None) -> None:
    require_permission(actor, "staff.manage")
    audit.record(actor, "security.staff_2fa", f"store:{actor.store_id}", {"required": required}, ip)
    accounts.set_staff_2fa_required(actor.store_id, required)
