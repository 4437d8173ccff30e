"""What the distributor sees of its resellers: the list, one reseller's store (read-only), its
allocation ledger and its recent allocation requests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.billing.models import LIVE_ORDER_STATUSES, Order
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound
from storefront.partners.inputs import CENT
from storefront.partners.models import Allocation, AllocationRequest, AllocationState, Reseller
from storefront.partners.provider import provider_balance
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store


def get_reseller(staff: Any, reseller_id: int) -> Reseller:
    require_permission(staff, "resellers.view")
    reseller = db.session.get(Reseller, reseller_id)
    if reseller is None:
        raise PartnerNotFound(_l("No such reseller."))
    return reseller


def reseller_for_store(store_id: int) -> Reseller | None:
    return db.session.scalar(select(Reseller).where(Reseller.store_id == store_id))


@dataclass
class ResellerRow:
    reseller: Reseller
    store: Store
    customers: int
    orders: int
    sales: Decimal
    balance: Decimal | None


def store_stats(store_id: int) -> tuple[int, int, Decimal]:
    """A store's customers, live orders and their sales (read from the distributor's store)."""
    customers = db.session.scalar(in_store(select(func.count(Customer.id)), store_id))
    orders, sales = db.session.execute(
        in_store(
            select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0)).where(
                Order.status.in_(LIVE_ORDER_STATUSES)
            ),
            store_id,
        )
    ).one()
    return int(customers or 0), int(orders or 0), Decimal(str(sales)).quantize(CENT)


def reseller_rows(staff: Any, *, with_balances: bool = True) -> list[ResellerRow]:
    require_permission(staff, "resellers.view")
    rows = []
    for reseller in db.session.scalars(select(Reseller).order_by(Reseller.company_name)):
        store = db.session.get(Store, reseller.store_id)
        assert store is not None
        customers, orders, sales = store_stats(store.id)
        balance = provider_balance(reseller.indirect_partner_id) if with_balances else None
        rows.append(ResellerRow(reseller, store, customers, orders, sales, balance))
    return rows


def reseller_detail(staff: Any, reseller_id: int) -> dict[str, Any]:
    """Read-only drill-down into a reseller's store (no session in that store is opened)."""
    reseller = get_reseller(staff, reseller_id)
    store = db.session.get(Store, reseller.store_id)
    assert store is not None
    customers, orders, sales = store_stats(store.id)
    recent_customers = db.session.scalars(
        in_store(select(Customer).order_by(Customer.created_at.desc()).limit(10), store.id)
    ).all()
    recent_orders = db.session.scalars(
        in_store(select(Order).order_by(Order.created_at.desc()).limit(10), store.id)
    ).all()
    staff_members = db.session.scalars(in_store(select(Staff), store.id)).all()
    return {
        "reseller": reseller,
        "store": store,
        "customers": customers,
        "orders": orders,
        "sales": sales,
        "recent_customers": list(recent_customers),
        "recent_orders": list(recent_orders),
        "staff": list(staff_members),
        "balance": provider_balance(reseller.indirect_partner_id),
        "allocations": allocations(staff, reseller.id),
        "requests": recent_requests(staff, reseller.id),
    }


def allocations(staff: Any, reseller_id: int) -> list[Allocation]:
    """A reseller's allocation ledger, newest first."""
    require_permission(staff, "resellers.view")
    return list(
        db.session.scalars(
            select(Allocation)
            .where(Allocation.reseller_id == reseller_id)
            .order_by(Allocation.sequence.desc())
        )
    )


def pending_requests(staff: Any, reseller_id: int | None = None) -> list[AllocationRequest]:
    require_permission(staff, "resellers.view")
    query = select(AllocationRequest).where(AllocationRequest.state == AllocationState.PENDING)
    if reseller_id is not None:
        query = query.where(AllocationRequest.reseller_id == reseller_id)
    return list(db.session.scalars(query.order_by(AllocationRequest.id)))


def recent_requests(staff: Any, reseller_id: int, limit: int = 20) -> list[AllocationRequest]:
    """Pending and failed requests (confirmed ones are in the ledger), newest first."""
    require_permission(staff, "resellers.view")
    return list(
        db.session.scalars(
            select(AllocationRequest)
            .where(
                AllocationRequest.reseller_id == reseller_id,
                AllocationRequest.state != AllocationState.CONFIRMED,
            )
            .order_by(AllocationRequest.id.desc())
            .limit(limit)
        )
    )
