"""The calculator's form, read strictly: a quantity, size or bandwidth that is not a whole
number in range is an error for that field (shown at once in place of the prices), never a
silently changed value."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront.catalog import services

FIELDS = {
    "ecs_quantity": _l("Cloud server quantity"),
    "evs_quantity": _l("Disks"),
    "evs_size": _l("Size (GB)"),
    "eip_bandwidth": _l("Bandwidth (Mbit/s)"),
    "ecs_disk_size": _l("System disk (GB)"),
}


def count(
    values: Mapping[str, str], name: str, default: int, low: int, high: int, errors: dict[str, str]
) -> int:
    """A whole number from the form; out of ``low``..``high`` or not a number: an error for
    the field (shown at once instead of a price), never a silently changed value."""
    raw = str(values.get(name, default)).strip()
    try:
        value = int(raw)
    except ValueError:
        errors[name] = _("%(field)s: enter a whole number.", field=FIELDS.get(name, name))
        return default
    if not low <= value <= high:
        errors[name] = _(
            "%(field)s: must be from %(low)s to %(high)s.",
            field=FIELDS.get(name, name),
            low=low,
            high=high,
        )
    return value


def basket_items(
    values: Mapping[str, str], errors: dict[str, str] | None = None
) -> list[services.ItemRequest]:
    errors = {} if errors is None else errors
    items = []
    ecs = values.get("ecs_spec")
    if ecs:
        quantity = count(values, "ecs_quantity", 1, 1, 500, errors)
        items.append(services.ItemRequest("ecs", ecs, quantity))
    evs = values.get("evs_spec")
    if evs:
        quantity = count(values, "evs_quantity", 1, 1, 500, errors)
        size = count(values, "evs_size", 40, 0, 10**6, errors)
        items.append(services.ItemRequest("evs", evs, quantity, size))
    eip = values.get("eip_spec")
    if eip:
        bandwidth = count(values, "eip_bandwidth", 5, 0, 10**6, errors)
        items.append(services.ItemRequest("eip", eip, 1, bandwidth))
    system_disk = values.get("ecs_disk_type")
    if ecs and system_disk:  # the server's system disk (#17), priced as a disk, always last
        size = count(values, "ecs_disk_size", 40, 1, 1024, errors)
        quantity = items[0].quantity
        items.append(services.ItemRequest("evs", system_disk, quantity, size))
    return items
