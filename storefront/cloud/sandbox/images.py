"""The sandbox's public images (IMS ``__imagetype=gold``) and availability zones, per region.

Every region of :data:`~.prices.REGIONS` offers the same images; an image id names its region
(``sandbox-{region}-ubuntu-22.04``: the ids of :data:`storefront.cloud.demo.DEMO_ECS_IMAGES`
are among them). Field meanings follow the IMS ``ImageInfo`` model: ``__os_type`` Linux or
Windows, ``__platform`` the distribution, ``min_disk`` GB (40-1024), ``min_ram``/``max_ram``
MB (0 / empty: no limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.server_models import FlavorSale


@dataclass(frozen=True, slots=True)
class PublicImage:
    key: str
    name: str
    platform: str
    os_type: str
    os_version: str
    min_disk: int = 40
    min_ram: int = 0
    max_ram: int | None = None

    def image_id(self, region: str) -> str:
        return f"sandbox-{region}-{self.key}"


PUBLIC_IMAGES: tuple[PublicImage, ...] = (
    PublicImage(
        "ubuntu-22.04",
        "Ubuntu 22.04 server 64bit",
        "Ubuntu",
        "Linux",
        "Ubuntu 22.04 server 64bit",
    ),
    PublicImage("centos-7.9", "CentOS 7.9 64bit", "CentOS", "Linux", "CentOS 7.9 64bit"),
    PublicImage(
        "euleros-2.0",
        "Huawei Cloud EulerOS 2.0 Standard 64 bit",
        "EulerOS",
        "Linux",
        "Huawei Cloud EulerOS 2.0 64bit",
    ),
    PublicImage("debian-12", "Debian 12.0.0 64bit", "Debian", "Linux", "Debian GNU/Linux 12 64bit"),
    PublicImage(
        "windows-2022",
        "Windows Server 2022 Standard 64bit English",
        "Windows",
        "Windows",
        "Windows Server 2022 Standard 64bit",
        min_ram=2048,
    ),
    PublicImage(
        "windows-2019-dc",
        "Windows Server 2019 Datacenter 64bit Chinese",
        "Windows",
        "Windows",
        "Windows Server 2019 Datacenter 64bit",
        min_disk=50,
        min_ram=4096,
    ),
)

# Zones of every region: ``{region}a`` … (the provider's own names, e.g. ``cn-north-4a``).
ZONE_SUFFIXES = ("a", "b", "c")


def find_image(image_id: object) -> tuple[PublicImage, str] | None:
    """The public image and its region for an id (None: no such image)."""
    for region in prices.REGIONS:
        for image in PUBLIC_IMAGES:
            if image.image_id(region) == image_id:
                return image, region
    return None


def zones(region: str) -> tuple[str, ...]:
    return tuple(f"{region}{suffix}" for suffix in ZONE_SUFFIXES)


def flavor_memory_mb(flavor: str) -> int | None:
    """A sandbox flavour's memory (from its catalogue name), None for an unknown flavour."""
    product = prices.find(prices.EC2, prices.VM, f"{flavor}.linux")
    if product is None:
        return None
    gib = product.name.split("|")[3].strip().removesuffix("GiB")
    return int(gib) * 1024


# Sold out from the start, so the storefront meets a sold-out zone without setting one up.
DEFAULT_SOLD_OUT = {("c", "m6.2xlarge.8")}


def zone_status(s: Session, zone: str, flavor: str) -> str:
    row = s.get(FlavorSale, (zone, flavor))
    if row is not None:
        return row.status
    return "sellout" if (zone[-1:], flavor) in DEFAULT_SOLD_OUT else "normal"
