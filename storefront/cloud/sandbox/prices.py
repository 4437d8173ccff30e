"""The sandbox's price list (CNY): the only place prices live.

On-demand prices are per hour, period prices per month; a year costs 10 months.
A region factor scales every price. Linear products (disks, bandwidth) are priced per
unit of size.

Two sizes (:func:`set_scale`, ``STOREFRONT_SANDBOX_CATALOGUE_SCALE``): ``small`` (the default:
4 regions, 11 ECS flavours) and ``real``, the provider's real size: 30 regions x 400 ECS
flavours (Linux and Windows each), the same disks, EIPs, bandwidth and VPC. The real catalogue
is generated deterministically (the same flavours, names and prices on every run) in a few ms.
"""

from __future__ import annotations

import os
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
    "High-performance computing": "高性能计算型",
    "Disk-intensive": "磁盘增强型",
    "Kunpeng general computing": "鲲鹏通用计算增强型",
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


# --------------------------------------------------------------------------- real scale

SCALES = ("small", "real")
SCALE_ENV = "STOREFRONT_SANDBOX_CATALOGUE_SCALE"
REAL_FLAVOURS = 400
# The provider's other regions (codes and English names as its region list shows them).
_MORE_REGIONS = (
    ("cn-north-1", "CN North-Beijing1"),
    ("cn-north-2", "CN North-Beijing2"),
    ("cn-north-9", "CN North-Ulanqab1"),
    ("cn-north-11", "CN North-Ulanqab201"),
    ("cn-east-2", "CN East-Shanghai2"),
    ("cn-east-4", "CN East2"),
    ("cn-east-5", "CN East-Qingdao"),
    ("cn-south-2", "CN South-Shenzhen"),
    ("cn-south-4", "CN South-Guangzhou-InvitationOnly"),
    ("cn-southwest-2", "CN Southwest-Guiyang1"),
    ("cn-southwest-3", "CN Southwest-Guiyang2"),
    ("ap-southeast-2", "AP-Bangkok"),
    ("ap-southeast-3", "AP-Singapore"),
    ("ap-southeast-4", "AP-Jakarta"),
    ("ap-southeast-5", "AP-Manila"),
    ("af-south-1", "AF-Johannesburg"),
    ("af-north-1", "AF-Cairo"),
    ("sa-brazil-1", "LA-Sao Paulo1"),
    ("la-north-2", "LA-Mexico City2"),
    ("la-south-2", "LA-Santiago"),
    ("na-mexico-1", "LA-Mexico City1"),
    ("tr-west-1", "TR-Istanbul"),
    ("me-east-1", "ME-Riyadh"),
    ("ru-northwest-2", "RU-Moscow"),
    ("eu-west-101", "EU-Dublin"),
    ("eu-west-0", "EU-Paris"),
)
# family prefix, family name, memory GiB per vCPU options, CNY per vCPU-hour
_FAMILIES = (
    ("s", "General computing", (1, 2, 4), Decimal("0.1900")),
    ("c", "Computing-plus", (2, 4), Decimal("0.2800")),
    ("m", "Memory-optimized", (8,), Decimal("0.4400")),
    ("h", "High-performance computing", (2, 4), Decimal("0.3300")),
    ("d", "Disk-intensive", (4, 8), Decimal("0.3600")),
    ("kc", "Kunpeng general computing", (2, 4), Decimal("0.1600")),
)
_SIZES = (
    ("large", 2), ("xlarge", 4), ("2xlarge", 8), ("3xlarge", 12), ("4xlarge", 16),
    ("6xlarge", 24), ("8xlarge", 32), ("12xlarge", 48), ("16xlarge", 64), ("22xlarge", 88),
)  # fmt: skip


def _real_flavors() -> list[tuple[str, str, int, int, str, str]]:
    """The small catalogue's flavours, then generated ones up to :data:`REAL_FLAVOURS`."""
    found = list(_FLAVORS)
    codes = {f[0] for f in found}
    generation = 6
    while len(found) < REAL_FLAVOURS:
        for prefix, family, ratios, per_vcpu in _FAMILIES:
            for ratio in ratios:
                for size, vcpus in _SIZES:
                    code = f"{prefix}{generation}.{size}.{ratio}"
                    if code in codes or len(found) >= REAL_FLAVOURS:
                        continue
                    step = Decimal(100 + 3 * (generation - 6) + ratio) / 100
                    hourly = (per_vcpu * vcpus * step).quantize(Decimal("0.0001"))
                    monthly = (hourly * 300).quantize(Decimal("0.01"))
                    found.append((code, family, vcpus, vcpus * ratio, str(hourly), str(monthly)))
                    codes.add(code)
        generation += 1
    return found


def build(scale: str) -> tuple[tuple[Product, ...], dict[str, tuple[str, Decimal]]]:
    """The products and the regions (code -> (name, price factor)) of a catalogue size."""
    if scale not in SCALES:
        raise ValueError(f"catalogue scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if scale == "small":
        return _catalogue(), dict(_SMALL_REGIONS)
    products: list[Product] = []
    for flavor in _real_flavors():
        products += _flavor(*flavor)
    products += [p for p in _catalogue() if p.resource_type != VM]
    regions = dict(_SMALL_REGIONS)
    for i, (code, name) in enumerate(_MORE_REGIONS):
        regions[code] = (name, Decimal(100 + (i * 7) % 40) / 100)
    return tuple(products), regions


_SMALL_REGIONS = dict(REGIONS)
CATALOGUE: tuple[Product, ...] = ()
_BY_KEY: dict[tuple[str, str, str], Product] = {}
SCALE = ""


def set_scale(scale: str) -> None:
    """Serve the ``small`` or the ``real`` catalogue from now on (every sandbox in this
    process)."""
    global CATALOGUE, REGIONS, _BY_KEY, SCALE
    CATALOGUE, REGIONS = build(scale)
    _BY_KEY = {(p.service_type, p.resource_type, p.spec): p for p in CATALOGUE}
    SCALE = scale


set_scale(os.environ.get(SCALE_ENV) or "small")


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
