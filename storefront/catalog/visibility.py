"""What a store shows of the catalogue: hidden products, regions and specs, and the names and
attributes pages and the API show (from the in-process copy, :mod:`storefront.catalog.snapshot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.permissions import require_permission
from storefront.catalog import snapshot
from storefront.catalog.errors import CatalogError
from storefront.catalog.models import HiddenItem, Spec
from storefront.extensions import db
from storefront.stores.tenancy import current_store, current_store_id


def unknown_region() -> CatalogError:
    return CatalogError(_("Unknown region."), fields={"region": _("Unknown region.")})


@dataclass(frozen=True, slots=True)
class Hidden:
    products: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    specs: frozenset[str] = frozenset()  # "<product>/<spec>"

    def spec(self, product: str, spec: str) -> bool:
        return product in self.products or f"{product}/{spec}" in self.specs


def current_store_id_or_fail() -> int:
    store_id = current_store_id()
    if store_id is None:
        return current_store().id  # raises: no current store
    return store_id


def hidden() -> Hidden:
    """What the current store hides (from the in-process copy)."""
    by_kind: dict[str, set[str]] = {"product": set(), "region": set(), "spec": set()}
    for kind, code in snapshot.store_copy(current_store_id_or_fail()).hidden:
        by_kind.setdefault(kind, set()).add(code)
    return Hidden(
        frozenset(by_kind["product"]), frozenset(by_kind["region"]), frozenset(by_kind["spec"])
    )


def set_hidden(actor: Any, kind: str, code: str, hide: bool) -> None:
    """Hide or show a product, region or spec in this store (``pricing.manage``)."""
    require_permission(actor, "pricing.manage")
    if kind not in ("product", "region", "spec"):
        raise ValueError(kind)
    row = db.session.scalar(
        select(HiddenItem).where(HiddenItem.kind == kind, HiddenItem.code == code)
    )
    if hide and row is None:
        db.session.add(HiddenItem(kind=kind, code=code))
    elif not hide and row is not None:
        db.session.delete(row)


def localized(obj: Any, attr: str, locale: str) -> str:
    """``obj.<attr>_zh`` for Chinese when filled in, else ``obj.<attr>``."""
    if locale.startswith("zh"):
        value = getattr(obj, f"{attr}_zh", None)
        if value:
            return str(value)
    return str(getattr(obj, attr))


def spec_name(spec: Any, locale: str) -> str:
    """A spec's name as the provider gives it in the visitor's language (English fallback)."""
    return localized(spec, "name", locale)


def spec_family(spec: Any, locale: str) -> str:
    """An ECS flavour's family in the visitor's language ("" when it has none)."""
    if locale.startswith("zh") and getattr(spec, "family_zh", None):
        return str(spec.family_zh)
    return str(spec.family or "")


def spec_label(product_code: str, spec_code: str, locale: str) -> str:
    """The localised name of a spec by its codes (the code itself if it left the catalogue)."""
    spec = snapshot.catalog().specs.get((product_code, spec_code))
    return spec_name(spec, locale) if spec is not None else spec_code


def regions(hid: Hidden | None = None) -> list[snapshot.RegionView]:
    """Visible regions in display order (from the in-process copy)."""
    hid = hid or hidden()
    return [r for r in snapshot.catalog().region_list if r.code not in hid.regions]


def products(hid: Hidden | None = None) -> list[snapshot.ProductView]:
    """Visible products in display order (from the in-process copy)."""
    hid = hid or hidden()
    return [p for p in snapshot.catalog().products.values() if p.code not in hid.products]


def product(code: str, hid: Hidden | None = None) -> snapshot.ProductView | None:
    hid = hid or hidden()
    found = snapshot.catalog().products.get(code)
    return None if found is None or code in hid.products else found


def specs(
    product_code: str | None = None, region: str | None = None, hid: Hidden | None = None
) -> list[snapshot.SpecView]:
    """Visible specs (of one product; offered in one region), in catalogue order."""
    hid = hid or hidden()
    return [
        s
        for s in snapshot.catalog().specs.values()
        if (product_code is None or s.product_code == product_code)
        and (region is None or any(r.region_code == region for r in s.regions))
        and not hid.spec(s.product_code, s.code)
    ]


def spec_attributes(spec: Spec | snapshot.SpecView) -> dict[str, Any]:
    """The attributes a client compares specs by (JSON-ready)."""
    attrs: dict[str, Any] = {"code": spec.code, "name": spec.name}
    if spec.product_code == "ecs":
        attrs.update(
            family=spec.family,
            os=spec.os,
            vcpus=spec.vcpus,
            memory_gib=str(spec.memory_gib) if spec.memory_gib is not None else None,
        )
    if spec.min_size is not None:
        attrs.update(size_unit=spec.size_unit, min_size=spec.min_size, max_size=spec.max_size)
    attrs["regions"] = sorted(r.region_code for r in spec.regions)
    return attrs
