"""Customer groups: named sets of a store's customers that price rules can target.

A customer in a group gets the group's rules wherever prices are computed (product pages, the
calculator, ``POST /api/v1/quotes``): :func:`storefront.catalog.services.load_context` reads the
memberships. Every change needs ``pricing.manage`` (the people who write the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from storefront.accounts.models import Customer
from storefront.accounts.permissions import require_permission
from storefront.catalog.errors import CatalogError, CatalogNotFound, NameTaken
from storefront.catalog.models import CustomerGroup, CustomerGroupMember, PriceRule
from storefront.extensions import db

PAGE_SIZE = 20
MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: CustomerGroup
    members: int
    rules: int


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        message = _("Give the group a name.")
        raise CatalogError(message, fields={"name": message})
    if len(cleaned) > MAX_NAME:
        message = _("At most %(n)d characters.", n=MAX_NAME)
        raise CatalogError(message, fields={"name": message})
    return cleaned


def _name_taken(name: str, except_id: int | None = None) -> bool:
    query = select(CustomerGroup.id).where(func.lower(CustomerGroup.name) == name.lower())
    if except_id is not None:
        query = query.where(CustomerGroup.id != except_id)
    return db.session.scalar(query) is not None


def _taken() -> CatalogError:
    message = _("This store already has a group with that name.")
    return NameTaken(message, fields={"name": message})


def list_groups(
    after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[GroupRow], int | None]:
    """Groups by id with member and rule counts; keyset pages: ``(rows, next_after)``."""
    members = (
        select(func.count(CustomerGroupMember.id))
        .where(CustomerGroupMember.group_id == CustomerGroup.id)
        .scalar_subquery()
    )
    rules = (
        select(func.count(PriceRule.id))
        .where(PriceRule.group_id == CustomerGroup.id)
        .scalar_subquery()
    )
    query = select(CustomerGroup, members, rules).order_by(CustomerGroup.id).limit(limit + 1)
    if after is not None:
        query = query.where(CustomerGroup.id > after)
    found = [GroupRow(g, int(m or 0), int(r or 0)) for g, m, r in db.session.execute(query)]
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].group.id if more else None)


def get_group(group_id: int) -> CustomerGroup | None:
    return db.session.get(CustomerGroup, group_id)  # the tenant filter keeps it in the store


def create_group(actor: Any, name: str) -> CustomerGroup:
    require_permission(actor, "pricing.manage")
    cleaned = _clean_name(name)
    if _name_taken(cleaned):
        raise _taken()
    group = CustomerGroup(name=cleaned)
    db.session.add(group)
    db.session.flush()
    return group


def rename_group(actor: Any, group: CustomerGroup, name: str) -> None:
    require_permission(actor, "pricing.manage")
    cleaned = _clean_name(name)
    if _name_taken(cleaned, except_id=group.id):
        raise _taken()
    group.name = cleaned
    db.session.flush()


def group_rules(group_id: int) -> list[PriceRule]:
    """The store's price rules that target this group."""
    return list(
        db.session.scalars(
            select(PriceRule).where(PriceRule.group_id == group_id).order_by(PriceRule.id)
        )
    )


def delete_group(actor: Any, group: CustomerGroup) -> int:
    """Delete the group, its memberships and the price rules that target it (a rule for a group
    that no longer exists would apply to nobody). Returns how many rules went with it."""
    require_permission(actor, "pricing.manage")
    rules = group_rules(group.id)
    for rule in rules:  # through the ORM, so the in-process price cache reloads
        db.session.delete(rule)
    db.session.execute(delete(CustomerGroupMember).where(CustomerGroupMember.group_id == group.id))
    db.session.delete(group)
    db.session.flush()
    return len(rules)


def members(
    group_id: int, after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Customer], int | None]:
    """The group's customers by id; keyset pages: ``(customers, next_after)``."""
    query = (
        select(Customer)
        .join(CustomerGroupMember, CustomerGroupMember.customer_id == Customer.id)
        .where(CustomerGroupMember.group_id == group_id)
        .order_by(Customer.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Customer.id > after)
    found = list(db.session.scalars(query))
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].id if more else None)


def search_customers(group_id: int, q: str, limit: int = 10) -> list[tuple[Customer, bool]]:
    """This store's customers whose email contains ``q``, each with "already a member"."""
    needle = q.strip().lower()
    if len(needle) < 2:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = list(
        db.session.scalars(
            select(Customer)
            .where(func.lower(Customer.email).like(pattern, escape="\\"))
            .order_by(Customer.email)
            .limit(limit)
        )
    )
    inside = set(
        db.session.scalars(
            select(CustomerGroupMember.customer_id).where(
                CustomerGroupMember.group_id == group_id,
                CustomerGroupMember.customer_id.in_([c.id for c in found]),
            )
        )
    )
    return [(c, c.id in inside) for c in found]


def add_member(actor: Any, group: CustomerGroup, customer_id: int) -> bool:
    """Add one of this store's customers; False when they already are a member."""
    require_permission(actor, "pricing.manage")
    customer = db.session.get(Customer, customer_id)  # tenant-filtered: this store only
    if customer is None:
        raise CatalogNotFound(_("No such customer."))
    exists = db.session.scalar(
        select(CustomerGroupMember.id).where(
            CustomerGroupMember.group_id == group.id,
            CustomerGroupMember.customer_id == customer.id,
        )
    )
    if exists is not None:
        return False
    db.session.add(CustomerGroupMember(group_id=group.id, customer_id=customer.id))
    db.session.flush()
    return True


def remove_member(actor: Any, group: CustomerGroup, customer_id: int) -> bool:
    require_permission(actor, "pricing.manage")
    row = db.session.scalar(
        select(CustomerGroupMember).where(
            CustomerGroupMember.group_id == group.id,
            CustomerGroupMember.customer_id == customer_id,
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True
