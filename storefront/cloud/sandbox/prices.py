"""The sandbox's price list (CNY): the only place prices live.

On-demand prices are per hour, period prices per month; a year costs 10 months.
A region factor scales every price. Linear products (disks, bandwidth) are priced per
unit of size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "CNY"
YEAR_IN_MONTHS = Decimal(10)
MEASURE_YUAN = 1

EC2 = "hws.service.type.ec2"
EBS = "hws.service.type.ebs"
VPC = "hws.service.type.vpc"
VM = "hws.resource.type.vm"
VOLUME = "hws.resource.type.volume"
IP = "hws.resource.type.ip"
BANDWIDTH = "hws.resource.type.bandwidth"
VPC_RESOURCE = "hws.resource.type.vpc"

SERVICE_TYPES: tuple[tuple[str, str, str, str], ...] = (
    # code, English name, Chinese name, abbreviation
    (EC2, "Elastic Cloud Server", "弹性云服务器", "ECS"),
    (EBS, "Elastic Volume Service", "云硬盘", "EVS"),
    (VPC, "Virtual Private Cloud", "虚拟私有云", "VPC"),
    ("hws.service.type.obs", "Object Storage Service", "对象存储服务", "OBS"),
    ("hws.service.type.rds", "Relational Database Service", "云数据库", "RDS"),
)
RESOURCE_TYPE_NAMES: dict[str, str] = {
    VM: "Cloud Server",
    VOLUME: "Volume",
    IP: "Elastic IP",
    BANDWIDTH: "Bandwidth",
    VPC_RESOURCE: "Virtual Private Cloud",
}
RESOURCE_TYPE_NAMES_ZH: dict[str, str] = {
    VM: "云服务器",
    VOLUME: "云硬盘",
    IP: "弹性公网IP",
    BANDWIDTH: "带宽",
    VPC_RESOURCE: "虚拟私有云",
}
# The provider answers in the language of the ``X-Language`` header (zh_cn by default).
FAMILIES_ZH: dict[str, str] = {
    "General computing": "通用计算型",
    "Computing-plus": "通用计算增强型",
    "Memory-optimized": "内存优化型",
}

REGIONS: dict[str, tuple[str, Decimal]] = {
    "cn-north-4": ("CN North-Beijing4", Decimal("1.00")),
    "cn-east-3": ("CN East-Shanghai1", Decimal("1.00")),
    "cn-south-1": ("CN South-Guangzhou", Decimal("1.05")),
    "ap-southeast-1": ("CN-Hong Kong", Decimal("1.35")),
}


@dataclass(frozen=True, slots=True)
class Tier:
    """Up to ``upto`` units (None: no limit) at these unit prices."""

    upto: int | None
    hourly: Decimal
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class Product:
    service_type: str
    resource_type: str
    spec: str
    name: str
    tiers: tuple[Tier, ...]
    size_measure_id: int | None = None  # None: not a linear product
    min_size: int = 1
    max_size: int = 1
    name_zh: str = ""  # the name the provider gives in Chinese

    def localized_name(self, english: bool) -> str:
        return self.name if english or not self.name_zh else self.name_zh


def _flavor(
    spec: str, family: str, vcpus: int, mem: int, hourly: str, monthly: str
) -> list[Product]:
    linux = Tier(None, Decimal(hourly), Decimal(monthly))
    win = Tier(
        None,
        Decimal(hourly) + Decimal("0.0700") * vcpus,
        Decimal(monthly) + Decimal("25.00") * vcpus,
    )
    return [
        Product(
            EC2,
            VM,
            f"{spec}.{os}",
            f"{family} | {spec} | {vcpus}vCPUs | {mem}GiB | {label}",
            (tier,),
            name_zh=f"{FAMILIES_ZH[family]} | {spec} | {vcpus}vCPUs | {mem}GiB | {label}",
        )
        for os, label, tier in (("linux", "Linux", linux), ("win", "Windows", win))
    ]


_FLAVORS = (
    ("s6.small.1", "General computing", 1, 1, "0.1300", "40.00"),
    ("s6.medium.2", "General computing", 1, 2, "0.1900", "56.00"),
    ("s6.large.2", "General computing", 2, 4, "0.3800", "112.00"),
    ("s6.xlarge.2", "General computing", 4, 8, "0.7600", "224.00"),
    ("s6.2xlarge.2", "General computing", 8, 16, "1.5200", "448.00"),
    ("c6.large.2", "Computing-plus", 2, 4, "0.5600", "196.00"),
    ("c6.xlarge.2", "Computing-plus", 4, 8, "1.1200", "392.00"),
    ("c6.2xlarge.2", "Computing-plus", 8, 16, "2.2400", "784.00"),
    ("m6.large.8", "Memory-optimized", 2, 16, "0.8800", "300.00"),
    ("m6.xlarge.8", "Memory-optimized", 4, 32, "1.7600", "600.00"),
    ("m6.2xlarge.8", "Memory-optimized", 8, 64, "3.5200", "1200.00"),
)

_DISKS = (  # per GB
    ("SATA", "Common I/O", "0.000417", "0.30"),
    ("SAS", "High I/O", "0.000486", "0.35"),
    ("GPSSD", "General Purpose SSD", "0.000694", "0.50"),
    ("SSD", "Ultra-high I/O", "0.001389", "1.00"),
)
_DISKS_ZH = {"SATA": "普通IO", "SAS": "高IO", "GPSSD": "通用型SSD", "SSD": "超高IO"}


def _catalogue() -> tuple[Product, ...]:
    products: list[Product] = []
    for flavor in _FLAVORS:
        products += _flavor(*flavor)
    products += [
        Product(
            EBS,
            VOLUME,
            disk,
            f"{name} ({disk})",
            (Tier(None, Decimal(h), Decimal(mo)),),
            size_measure_id=17,
            min_size=10,
            max_size=32768,
            name_zh=f"{_DISKS_ZH[disk]} ({disk})",
        )
        for disk, name, h, mo in _DISKS
    ]
    products += [
        Product(
            VPC,
            IP,
            "5_bgp",
            "Dynamic BGP EIP",
            (Tier(None, Decimal("0.02"), Decimal("5.00")),),
            name_zh="全动态BGP弹性公网IP",
        ),
        Product(
            VPC,
            IP,
            "5_sbgp",
            "Static BGP EIP",
            (Tier(None, Decimal("0.02"), Decimal("5.00")),),
            name_zh="静态BGP弹性公网IP",
        ),
        Product(
            VPC,
            BANDWIDTH,
            "19_bgp",
            "Dynamic BGP bandwidth (by bandwidth)",
            (
                Tier(5, Decimal("0.0630"), Decimal("23.00")),
                Tier(None, Decimal("0.2500"), Decimal("80.00")),
            ),
            size_measure_id=15,
            min_size=1,
            max_size=300,
            name_zh="全动态BGP带宽（按带宽计费）",
        ),
        Product(
            VPC,
            BANDWIDTH,
            "19_sbgp",
            "Static BGP bandwidth (by bandwidth)",
            (
                Tier(5, Decimal("0.0560"), Decimal("20.00")),
                Tier(None, Decimal("0.2200"), Decimal("70.00")),
            ),
            size_measure_id=15,
            min_size=1,
            max_size=300,
            name_zh="静态BGP带宽（按带宽计费）",
        ),
        Product(
            VPC,
            VPC_RESOURCE,
            "vpc",
            "Virtual Private Cloud (free)",
            (Tier(None, Decimal(0), Decimal(0)),),
            name_zh="虚拟私有云（免费）",
        ),
    ]
    return tuple(products)


CATALOGUE: tuple[Product, ...] = _catalogue()
_BY_KEY = {(p.service_type, p.resource_type, p.spec): p for p in CATALOGUE}


def find(service_type: str, resource_type: str, spec: str) -> Product | None:
    return _BY_KEY.get((service_type, resource_type, spec))


def unit_price(product: Product, size: int, *, monthly: bool) -> Decimal:
    """Price of one unit of ``product`` at ``size`` for an hour (or a month)."""
    if product.size_measure_id is None:
        tier = product.tiers[0]
        return tier.monthly if monthly else tier.hourly
    total, below = Decimal(0), 0
    for tier in product.tiers:
        top = size if tier.upto is None else min(size, tier.upto)
        if top > below:
            total += (tier.monthly if monthly else tier.hourly) * (top - below)
            below = top
    return total
