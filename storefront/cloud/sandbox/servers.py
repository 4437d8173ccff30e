"""What the sandbox checks and makes for ``create_servers`` beyond the server itself, from the
``PrePaidServer`` model's field docs: the image and flavour, availability zone, login (key pair
or ``adminPass``), name, system and data disks, and an EIP with its bandwidth.

The disks and the EIP become their own resources in the server's order (EVS ``in-use``, EIP
``ACTIVE`` bound to the server's port). The system disk is one only when ``root_volume.size``
is given: the provider always charges it, and the sandbox does once the caller asks for a size.
The ``adminPass`` is checked here and goes no further: no table, log line or answer holds it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import CENT, price_of, priced_parts
from storefront.cloud.sandbox.commerce import CloudOrder, CloudResource, Project
from storefront.cloud.sandbox.console_models import Subnet
from storefront.cloud.sandbox.images import (
    PublicImage,
    find_image,
    flavor_memory_mb,
    zone_status,
    zones,
)
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.server_models import (
    EipAddress,
    Keypair,
    SecurityGroup,
    ServerConfig,
    VolumeAttachment,
    VolumeZone,
)
from storefront.cloud.sandbox.wire import ApiError

DISK_TYPES = ("SATA", "SAS", "GPSSD", "SSD")
NAME = re.compile(r"[\w\u4e00-\u9fa5.-]{1,64}")
PASSWORD_SPECIALS = "!@$%^-_=+[{}]:,./?"  # noqa: S105 - the documented character set
DEVICES = [f"/dev/vd{letter}" for letter in "abcdefghijklmnopqrstuvwx"]


def port_of(server_id: str) -> str:
    """The id of a server's network port (one per server here)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"port/{server_id}"))


def invalid(message: str) -> ApiError:
    return ApiError(400, "Ecs.0005", f"Invalid parameter values: {message}")


def password_problem(password: str, windows: bool) -> str | None:
    """Why ``adminPass`` breaks the documented rules (None: it is fine). Never echoes it."""
    user = "Administrator" if windows else "root"
    if not 8 <= len(password) <= 26:
        return "adminPass must be 8-26 characters."
    if any(not (c.isascii() and c.isalnum()) and c not in PASSWORD_SPECIALS for c in password):
        return f"adminPass may hold letters, digits and {PASSWORD_SPECIALS} only."
    kinds = (
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(c in PASSWORD_SPECIALS for c in password),
    )
    if sum(kinds) < 3:
        return "adminPass needs three of upper case, lower case, digits and special characters."
    lowered = password.lower()
    if user.lower() in lowered or user.lower()[::-1] in lowered:
        return "adminPass must not contain the user name or the user name reversed."
    if windows and any(user.lower()[i : i + 3] in lowered for i in range(len(user) - 2)):
        return "adminPass must not contain more than two consecutive characters of the user name."
    return None


@dataclass
class ServerPlan:
    """A checked ``server`` object: what to make besides the servers."""

    image: PublicImage
    flavor: str
    zone: str
    key_name: str | None
    root: tuple[str, int | None]
    data: list[tuple[str, int]] = field(default_factory=list)
    eip: tuple[str, int] | None = None
    security_groups: list[str] = field(default_factory=list)


def _zone(s: Session, project: Project, server: dict[str, Any], flavor: str) -> str:
    wanted = server.get("availability_zone")
    offered = [
        z
        for z in zones(project.region)
        if zone_status(s, z, flavor) in ("normal", "obt", "promotion")
    ]
    if wanted is None:
        if not offered:
            raise invalid(f"flavor {flavor} is sold out.")
        return offered[0]
    if wanted not in zones(project.region):
        raise invalid(f"availability_zone {wanted} does not exist.")
    if wanted not in offered:
        raise invalid(f"flavor {flavor} is sold out in {wanted}.")
    return str(wanted)


def _login(s: Session, project: Project, server: dict[str, Any], windows: bool) -> str | None:
    key_name, password = server.get("key_name"), server.get("adminPass")
    if key_name is not None and password is not None:
        raise invalid("key_name and adminPass cannot both be given.")
    if isinstance(password, str):
        problem = password_problem(password, windows)
        if problem:
            raise invalid(problem)
        return None
    if password is not None:
        raise invalid("adminPass must be a string.")
    if key_name is None:
        return None
    if windows:
        raise invalid("a Windows server logs in with a password, not a key pair.")
    if s.get(Keypair, (project.id, str(key_name))) is None:
        raise invalid(f"keypair {key_name} does not exist.")
    metadata = server.get("metadata") or {}
    charging = (server.get("extendparam") or {}).get("chargingMode")
    if charging == "prePaid" and not metadata.get("op_svc_userid"):
        raise invalid("metadata.op_svc_userid is required for a prepaid server with a key pair.")
    return str(key_name)


def _disks(
    server: dict[str, Any], image: PublicImage
) -> tuple[tuple[str, int | None], list[tuple[str, int]]]:
    root = server.get("root_volume") or {}
    root_type = root.get("volumetype")
    if root_type not in DISK_TYPES:
        raise invalid(f"root_volume.volumetype must be one of {', '.join(DISK_TYPES)}.")
    size = root.get("size") or None
    if size is not None and (not isinstance(size, int) or not image.min_disk <= size <= 1024):
        raise invalid(f"root_volume.size must be {image.min_disk}-1024 GB for this image.")
    data = server.get("data_volumes") or []
    if not isinstance(data, list) or len(data) > 23:
        raise invalid("data_volumes holds at most 23 disks.")
    disks: list[tuple[str, int]] = []
    for one in data:
        kind, gb = (one or {}).get("volumetype"), (one or {}).get("size")
        if kind not in DISK_TYPES or not isinstance(gb, int) or not 10 <= gb <= 32768:
            raise invalid("each data volume needs a volumetype and a size of 10-32768 GB.")
        disks.append((str(kind), gb))
    return (str(root_type), size), disks


def _eip(server: dict[str, Any]) -> tuple[str, int] | None:
    publicip = server.get("publicip")
    if not publicip:
        return None
    eip = publicip.get("eip") if isinstance(publicip, dict) else None
    if not isinstance(eip, dict):
        raise invalid("publicip.eip is required (an existing EIP id is not supported here).")
    bandwidth = eip.get("bandwidth") or {}
    size = bandwidth.get("size")
    if prices.find(prices.VPC, prices.IP, str(eip.get("iptype"))) is None:
        raise invalid(f"publicip.eip.iptype {eip.get('iptype')} is not sold.")
    if bandwidth.get("sharetype") != "PER" or not isinstance(size, int) or not 1 <= size <= 300:
        raise invalid("publicip.eip.bandwidth needs sharetype PER and a size of 1-300 Mbit/s.")
    return str(eip["iptype"]), size


def check_server(s: Session, project: Project, server: dict[str, Any], flavor: str) -> ServerPlan:
    """Everything the provider checks before it accepts ``server`` (ApiError otherwise)."""
    found = find_image(server.get("imageRef"))
    if found is None or found[1] != project.region:
        raise invalid(f"image {server.get('imageRef')} does not exist.")
    image = found[0]
    memory = flavor_memory_mb(flavor)
    if memory is None:
        raise invalid(f"flavor {flavor} does not exist.")
    if memory < image.min_ram or (image.max_ram is not None and memory > image.max_ram):
        raise invalid(f"image {image.image_id(project.region)} does not support flavor {flavor}.")
    name = str(server.get("name") or "")
    count = int(server.get("count") or 1)
    if not NAME.fullmatch(name) or (count > 1 and len(name) > 59):
        raise invalid("name must be 1-64 letters, digits, _ - . (1-59 when count > 1).")
    windows = image.os_type == "Windows"
    groups = [str((g or {}).get("id")) for g in server.get("security_groups") or []]
    for group_id in groups:
        group = s.get(SecurityGroup, group_id)
        if group is None or group.project_id != project.id:
            raise invalid(f"security group {group_id} does not exist.")
    root, data = _disks(server, image)
    return ServerPlan(
        image=image,
        flavor=flavor,
        zone=_zone(s, project, server, flavor),
        key_name=_login(s, project, server, windows),
        root=root,
        data=data,
        eip=_eip(server),
        security_groups=groups,
    )


def _add_part(
    s: Session,
    server: CloudResource,
    *,
    kind: str,
    service_type: str,
    resource_type: str,
    spec: str,
    size: int,
    name: str,
) -> CloudResource:
    """One more resource in ``server``'s order, its price added to the order."""
    parts = priced_parts(service_type, resource_type, spec, size)
    region = server.region
    order = s.get(CloudOrder, server.order_id) if server.order_id else None
    if order is not None:
        months = Decimal(order.period_num or 1) * (
            prices.YEAR_IN_MONTHS if order.period_type == 3 else 1
        )
        official = sum((price_of(p, region, n, months) for p, n in parts), Decimal(0))
        customer = s.get(Account, server.customer_id)
        rate = customer.discount_rate if customer else Decimal(1)
        order.official_amount += official.quantize(CENT)
        order.amount += (official * rate).quantize(CENT, rounding=ROUND_DOWN)
    row = CloudResource(
        resource_id=str(uuid.uuid4()),
        customer_id=server.customer_id,
        project_id=server.project_id,
        region=region,
        kind=kind,
        service_type=service_type,
        resource_type=resource_type,
        spec=spec,
        size=size,
        name=name,
        status=server.status,
        charge_mode=server.charge_mode,
        order_id=server.order_id,
        client_token=server.client_token,
        hourly_official=sum((price_of(p, region, n, None) for p, n in parts), Decimal(0)),
        created_at=server.created_at,
        active_at=server.active_at,
    )
    s.add(row)
    return row


def next_public_ip(s: Session) -> str:
    n = (s.scalar(select(func.count()).select_from(EipAddress)) or 0) + 10
    return f"100.85.{n // 250}.{n % 250 + 2}"


def _private_ip(s: Session, subnet_id: str) -> str:
    n = s.scalar(select(func.count()).where(ServerConfig.subnet_id == subnet_id)) or 0
    subnet = s.get(Subnet, subnet_id)
    prefix = (subnet.cidr if subnet else "192.168.0.0/24").split("/")[0].rsplit(".", 1)[0]
    return f"{prefix}.{n + 10}"


def make_parts(
    s: Session,
    project: Project,
    plan: ServerPlan,
    servers: list[CloudResource],
    server: dict[str, Any],
) -> None:
    """The config row, disks and EIP of each new server of one ``create_servers`` call."""
    subnet_id = str(((server.get("nics") or [{}])[0] or {}).get("subnet_id"))
    for row in servers:
        private_ip = _private_ip(s, subnet_id)
        s.add(
            ServerConfig(
                resource_id=row.resource_id,
                image_id=plan.image.image_id(project.region),
                flavor=plan.flavor,
                availability_zone=plan.zone,
                key_name=plan.key_name,
                vpc_id=str(server.get("vpcid")),
                subnet_id=subnet_id,
                private_ip=private_ip,
                security_groups=",".join(plan.security_groups),
            )
        )
        s.flush()
        disks: list[tuple[str, int, bool]] = []
        if plan.root[1] is not None:
            disks.append((plan.root[0], plan.root[1], True))
        disks += [(kind, gb, False) for kind, gb in plan.data]
        for i, (kind, gb, boot) in enumerate(disks):
            disk = _add_part(
                s,
                row,
                kind="evs",
                service_type=prices.EBS,
                resource_type=prices.VOLUME,
                spec=kind,
                size=gb,
                name=f"{row.name}-{'sys' if boot else 'data'}-{i}",
            )
            device = DEVICES[0] if boot else DEVICES[i + (0 if plan.root[1] else 1)]
            s.add(
                VolumeAttachment(
                    volume_id=disk.resource_id,
                    server_id=row.resource_id,
                    device=device,
                    bootable=boot,
                )
            )
            s.add(VolumeZone(volume_id=disk.resource_id, availability_zone=plan.zone))
        if plan.eip is not None:
            ip_type, mbit = plan.eip
            eip = _add_part(
                s,
                row,
                kind="eip",
                service_type=prices.VPC,
                resource_type=prices.IP,
                spec=ip_type,
                size=mbit,
                name=f"{row.name}-eip",
            )
            s.add(
                EipAddress(
                    eip_id=eip.resource_id,
                    public_ip=next_public_ip(s),
                    bandwidth_size=mbit,
                    bandwidth_id=str(uuid.uuid4()),
                    server_id=row.resource_id,
                    private_ip=private_ip,
                )
            )
            s.flush()
