"""The regions the partner sells in and the products' seeded texts (see ``sync.ensure_base``)."""

from __future__ import annotations

# The provider interface has no region listing: the regions the partner sells in.
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("cn-north-4", "CN North-Beijing4", "华北-北京四"),
    ("cn-east-3", "CN East-Shanghai1", "华东-上海一"),
    ("cn-south-1", "CN South-Guangzhou", "华南-广州"),
    ("ap-southeast-1", "CN-Hong Kong", "中国-香港"),
)

# Product texts: seeded once, then store-editable (both languages).
PRODUCTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "ecs",
        "Elastic Cloud Server",
        "弹性云服务器",
        "Virtual machines in general-purpose, compute-plus and memory-optimised families, "
        "with Linux or Windows. Billed per hour on demand, or per month or year prepaid.",
        "通用计算、计算增强和内存优化等规格的云服务器，可选 Linux 或 Windows。"
        "按需按小时计费，或包月、包年预付。",
    ),
    (
        "evs",
        "Elastic Volume Service",
        "云硬盘",
        "Block storage for your servers, from common I/O SATA to ultra-high I/O SSD, "
        "priced per GB.",
        "为云服务器提供块存储，从普通 IO 到超高 IO，按 GB 计费。",
    ),
    (
        "vpc",
        "Virtual Private Cloud",
        "虚拟私有云",
        "Your own isolated network with subnets and security groups. The VPC itself is free; "
        "elastic IPs and bandwidth are billed separately.",
        "您专属的隔离网络，含子网与安全组。VPC 本身免费；弹性公网 IP 和带宽单独计费。",
    ),
    (
        "eip",
        "Elastic IP",
        "弹性公网 IP",
        "A public IP address on a BGP line, with bandwidth billed per Mbit/s.",
        "BGP 线路上的公网 IP 地址，带宽按 Mbit/s 计费。",
    ),
)
