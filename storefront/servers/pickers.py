"""The calculator's server parts (#17): image, availability zone and system disk, chosen in the
browser and priced by the same quote engine as the API (the system disk is an EVS item of the
basket). Images and zones are read in the customer's own project, so they are offered to a
signed-in customer whose cloud account is linked; a visitor sees the disk only (the store's
default image is used). Lists read from the provider are kept per process for
:data:`LISTS_FOR`, so changing a field of the calculator does not ask the provider each time.

Form fields: ``ecs_image``, ``ecs_zone`` ("" = any), ``ecs_disk_type`` ("" = the provider's
default disk, not priced here), ``ecs_disk_size`` (GB)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.models import Customer, ProviderLink
from storefront.catalog import services as catalog
from storefront.catalog.models import Quote
from storefront.clock import utcnow
from storefront.cloud.interface import AvailabilityZone, Image
from storefront.servers import services
from storefront.servers.choices import DISK_TYPES, Plan, choices_of, record_quote
from storefront.servers.errors import ServersError

LISTS_FOR = timedelta(minutes=2)
DEFAULT_DISK_GB = 40
MAX_DISK_GB = 1024
CACHE = "servers.picker_lists"


@dataclass(frozen=True)
class Options:
    """What the calculator's server fieldset offers for one flavour, and what is chosen."""

    linked: bool  # images and zones could be listed for this visitor
    images: list[Image] = field(default_factory=list)
    zones: list[AvailabilityZone] = field(default_factory=list)
    disk_types: list[Any] = field(default_factory=list)  # the region's EVS specs
    image: str = ""
    zone: str = ""
    disk_type: str = ""
    disk_size: int = DEFAULT_DISK_GB
    min_disk: int = 1
    unavailable: bool = False  # the provider could not be asked

    @property
    def chosen_image(self) -> Image | None:
        return next((i for i in self.images if i.image_id == self.image), None)


def _customer() -> Customer | None:
    user = current_user
    if (
        isinstance(user, Customer)
        and user.is_authenticated
        and user.provider_link == ProviderLink.LINKED
    ):
        return user
    return None


def _cached(key: tuple[Any, ...], read: Any) -> Any:
    cache: dict[tuple[Any, ...], tuple[datetime, Any]] = current_app.extensions.setdefault(
        CACHE, {}
    )
    now = utcnow()
    found = cache.get(key)
    if found is None or found[0] <= now - LISTS_FOR:
        if len(cache) > 1000:
            cache.clear()
        found = (now, read())
        cache[key] = found
    return found[1]


def images_for(customer: Customer, region: str, spec: str) -> list[Image]:
    """The images ``spec``'s flavour boots, of the OS it is priced for (Windows specs list
    Windows images only), the store's hidden ones left out."""
    return list(
        _cached(
            ("images", customer.id, region, spec),
            lambda: services.images(customer, region, spec),
        )
    )


def zones_for(customer: Customer, region: str, spec: str) -> list[AvailabilityZone]:
    """The region's zones where ``spec``'s flavour is sold now."""
    return list(
        _cached(
            ("zones", customer.id, region, spec), lambda: services.zones(customer, region, spec)
        )
    )


def disk_types(region: str) -> list[Any]:
    return [s for s in catalog.specs("evs", region) if s.code in DISK_TYPES]


def _size(values: Mapping[str, str]) -> int:
    try:
        return int(str(values.get("ecs_disk_size", DEFAULT_DISK_GB)).strip())
    except ValueError:
        return 0


def options(region: str | None, values: Mapping[str, str]) -> Options | None:
    """The fieldset for the chosen flavour (None: no server in the basket)."""
    spec = values.get("ecs_spec") or ""
    if not region or not spec:
        return None
    chosen: dict[str, Any] = {
        "image": values.get("ecs_image", ""),
        "zone": values.get("ecs_zone", ""),
        "disk_type": values.get("ecs_disk_type", ""),
        "disk_size": _size(values) or DEFAULT_DISK_GB,
        "disk_types": disk_types(region),
    }
    customer = _customer()
    if customer is None:
        return Options(linked=False, **chosen)
    try:
        images = images_for(customer, region, spec)
        zones = zones_for(customer, region, spec)
    except ServersError:
        return Options(linked=True, unavailable=True, **chosen)
    image = next((i for i in images if i.image_id == chosen["image"]), None)
    return Options(
        linked=True,
        images=images,
        zones=zones,
        min_disk=image.min_disk_gb if image else 1,
        **chosen,
    )


def problems(region: str | None, values: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with the chosen image, zone and system disk (the price panel shows it in
    place of the prices; the quote is refused)."""
    found = options(region, values)
    if found is None:
        return {}
    errors: dict[str, str] = {}
    if found.disk_type:
        if found.disk_type not in {s.code for s in found.disk_types}:
            errors["ecs_disk_type"] = _("System disk: choose a disk type.")
        size = _size(values)
        if not found.min_disk <= size <= MAX_DISK_GB:
            errors["ecs_disk_size"] = _(
                "System disk: from %(low)d to %(high)d GB for this image.",
                low=max(found.min_disk, 1),
                high=MAX_DISK_GB,
            )
    if not found.linked or found.unavailable:
        if found.image or found.zone:
            errors["ecs_image"] = _("Images and zones can be chosen once you are signed in.")
        return errors
    if found.image and found.chosen_image is None:
        errors["ecs_image"] = _("Image: not one this server can boot.")
    if found.zone and found.zone not in {z.code for z in found.zones}:
        errors["ecs_zone"] = _("Availability zone: this flavour is sold out there.")
    return errors


def system_disk_item(values: Mapping[str, str]) -> dict[str, Any] | None:
    """The calculator's system disk as an EVS item (None: the provider's default disk)."""
    kind = values.get("ecs_disk_type") or ""
    if not values.get("ecs_spec") or not kind:
        return None
    return {"spec": kind, "size": _size(values)}


def record(quote_id: str, values: Mapping[str, str], items: Sequence[Any]) -> None:
    """Keep what the calculator's customer chose for the quote's server (its first line):
    image, zone and the system disk (the quote's last line when chosen). Flushes."""
    if not values.get("ecs_spec") or not items or items[0].product != "ecs":
        return
    disk = system_disk_item(values)
    image = values.get("ecs_image") or None
    zone = values.get("ecs_zone") or None
    if image is None and zone is None and disk is None:
        return
    plan = Plan(
        position=0,
        image_id=image,
        availability_zone=zone,
        system_disk=(disk["spec"], disk["size"]) if disk else None,
        disk_position=len(items) - 1 if disk else None,
    )
    record_quote(quote_id, [plan])


# --------------------------------------------------------------------------- the quote page


def image_name(image_id: str) -> str:
    """An image's name from the lists read lately, else its id."""
    cache: dict[tuple[Any, ...], tuple[datetime, Any]] = current_app.extensions.get(CACHE, {})
    for key, (_at, found) in list(cache.items()):
        if key[0] == "images":
            for image in found:
                if image.image_id == image_id:
                    return str(image.name)
    return image_id


def quote_parts(quote: Quote) -> dict[str, Any] | None:
    """For the quote page: each server line's image, zone and system disk, and how the quote's
    data disks and EIPs are shared out among its servers (:func:`choices.share_out`)."""
    servers = [line for line in quote.lines if line.product_code == "ecs"]
    if not servers:
        return None
    chosen = choices_of(quote)
    system_disks = {c.disk_position for c in chosen.values() if c.disk_position is not None}
    rows = []
    for line in servers:
        choice = chosen.get(line.position)
        rows.append(
            {
                "line": line.position + 1,
                "quantity": line.quantity,
                "image": image_name(choice.image_id) if choice and choice.image_id else None,
                "zone": choice.availability_zone if choice else None,
                "system_disk": (choice.system_disk_type, choice.system_disk_size)
                if choice and choice.system_disk_type
                else None,
                "disk_line": choice.disk_position + 1
                if choice and choice.disk_position is not None
                else None,
            }
        )
    count = sum(line.quantity for line in servers)
    disks = sum(
        line.quantity
        for line in quote.lines
        if line.product_code == "evs" and line.position not in system_disks
    )
    ips = sum(line.quantity for line in quote.lines if line.product_code == "eip")
    return {"servers": rows, "count": count, "disks": disks, "ips": ips}
