"""Servers a customer can use (#17): images, zones and flavours, key pairs, the parts a server
is created with, and what a server, disk and EIP look like afterwards. Calls in
:class:`ServerCalls`; all run in the customer's project (an :class:`AgencySession`)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from storefront.cloud.interface.billing import AgencySession


@dataclass(frozen=True, slots=True)
class Image:
    """A public image of the region (IMS ``ImageInfo``)."""

    image_id: str
    name: str
    os_type: str  # Linux | Windows | Other
    os_version: str
    platform: str  # Ubuntu, CentOS, Windows, …
    min_disk_gb: int
    min_ram_mb: int = 0
    max_ram_mb: int | None = None

    @property
    def windows(self) -> bool:
        return self.os_type == "Windows"


@dataclass(frozen=True, slots=True)
class AvailabilityZone:
    code: str  # cn-north-4a
    name: str  # the provider's alias, e.g. AZ1


@dataclass(frozen=True, slots=True)
class Flavor:
    """A server flavour and where it is sold (``os_extra_specs`` ``cond:operation:*``)."""

    flavor_id: str
    vcpus: int
    ram_mb: int
    performance_type: str = "normal"
    status: str = "normal"  # region-wide: normal | abandon | sellout | obt | promotion
    zone_status: tuple[tuple[str, str], ...] = ()  # zones that differ from ``status``

    def status_in(self, zone: str) -> str:
        return dict(self.zone_status).get(zone, self.status)

    def sold_in(self, zone: str) -> bool:
        """Can a server of this flavour be bought in ``zone`` now?"""
        return self.status_in(zone) in ("normal", "obt", "promotion")


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An SSH key pair (KPS). ``private_key`` only in the answer that generated it."""

    name: str
    fingerprint: str
    public_key: str
    private_key: str | None = field(default=None, repr=False)


class PowerAction(enum.StrEnum):
    START = "os-start"
    STOP = "os-stop"
    REBOOT = "reboot"


# ECS ``ServerDetail.status`` -> our resource status (``creating``, ``active``, ``stopped``,
# ``released``); the provider's word travels beside it. ``ERROR`` serves nothing: stopped.
SERVER_STATE: dict[str, str] = {
    "BUILD": "creating",
    "REBUILD": "creating",
    "ACTIVE": "active",
    "REBOOT": "active",
    "HARD_REBOOT": "active",
    "MIGRATING": "active",
    "RESIZE": "active",
    "VERIFY_RESIZE": "active",
    "REVERT_RESIZE": "active",
    "SHUTOFF": "stopped",
    "ERROR": "stopped",
    "DELETED": "released",
    "SHELVED": "stopped",
    "SHELVED_OFFLOADED": "stopped",
}


@dataclass(frozen=True, slots=True)
class AttachedVolume:
    volume_id: str
    device: str
    boot: bool = False


@dataclass(frozen=True, slots=True)
class ServerInfo:
    server_id: str
    name: str
    status: str  # the provider's word: ACTIVE, SHUTOFF, REBOOT, BUILD, ERROR, …
    availability_zone: str | None = None
    flavor_id: str | None = None
    image_id: str | None = None
    key_name: str | None = None
    private_ips: tuple[str, ...] = ()
    public_ips: tuple[str, ...] = ()
    volumes: tuple[AttachedVolume, ...] = ()
    created_at: datetime | None = None
    port_id: str | None = None  # its network port: what an EIP binds to

    @property
    def state(self) -> str:
        """Our resource status for the provider's word (unknown words: ``active``)."""
        return SERVER_STATE.get(self.status, "active")


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    """An EVS disk: ``in-use`` (attached), ``available``, ``creating``, …"""

    volume_id: str
    name: str
    status: str
    size_gb: int
    volume_type: str
    bootable: bool = False
    server_id: str | None = None
    device: str | None = None


@dataclass(frozen=True, slots=True)
class PublicIpInfo:
    """An EIP: ``ACTIVE`` bound, ``DOWN`` unbound, ``PENDING_CREATE``, ``FREEZED``, …"""

    eip_id: str
    address: str
    status: str
    bandwidth_mbit: int | None = None
    port_id: str | None = None
    private_ip: str | None = None

    @property
    def bound(self) -> bool:
        return self.port_id is not None


ADMIN_PASSWORD_SPECIALS = "!@$%^-_=+[{}]:,./?"  # noqa: S105 - the documented character set


def admin_password_problem(password: str, *, windows: bool) -> str | None:
    """What breaks ECS's documented ``adminPass`` rules (None: none). Never echoes it:
    8-26 characters from letters, digits and the listed specials; three of upper, lower,
    digits, specials; not the user name (root / Administrator) or it reversed; on Windows
    no three consecutive characters of the user name."""
    user = "administrator" if windows else "root"
    lowered = password.lower()
    kinds = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in ADMIN_PASSWORD_SPECIALS for c in password),
        )
    )
    if not 8 <= len(password) <= 26:
        return "length"
    if any(
        not (c.isascii() and c.isalnum()) and c not in ADMIN_PASSWORD_SPECIALS for c in password
    ):
        return "characters"
    if kinds < 3:
        return "complexity"
    if user in lowered or user[::-1] in lowered:
        return "user_name"
    if windows and any(user[i : i + 3] in lowered for i in range(len(user) - 2)):
        return "user_name"
    return None


@dataclass(frozen=True, slots=True)
class Subnet:
    """A subnet of the customer's project (VPC ``ListSubnets``) a server can join."""

    subnet_id: str
    vpc_id: str
    name: str
    cidr: str


class ServerCalls(Protocol):
    """IMS images, ECS zones/flavours/servers, KPS key pairs, EVS disks and EIPs."""

    def list_images(
        self,
        *,
        session: AgencySession,
        os_type: str | None = None,
        platform: str | None = None,
        flavor_id: str | None = None,
    ) -> tuple[Image, ...]:
        """The region's active public images (``__imagetype=gold``); ``flavor_id``: only
        those that flavour can boot."""
        ...

    def list_availability_zones(self, *, session: AgencySession) -> tuple[AvailabilityZone, ...]:
        """The region's zones (``ListServerAzInfo``)."""
        ...

    def list_flavors(
        self, *, session: AgencySession, availability_zone: str | None = None
    ) -> tuple[Flavor, ...]:
        """Flavours (``ListFlavors``) with their sale status per zone."""
        ...

    def create_key_pair(
        self, *, session: AgencySession, name: str, public_key: str | None = None
    ) -> KeyPair:
        """Import ``public_key``, or generate a pair (the private key is in this answer only)."""
        ...

    def list_key_pairs(self, *, session: AgencySession) -> tuple[KeyPair, ...]: ...

    def delete_key_pair(self, *, session: AgencySession, name: str) -> None: ...

    def show_servers(
        self, *, session: AgencySession, server_ids: Sequence[str]
    ) -> tuple[ServerInfo, ...]:
        """Status, addresses and disks of these servers (unknown ids are left out)."""
        ...

    def list_volumes(
        self, *, session: AgencySession, volume_ids: Sequence[str] = ()
    ) -> tuple[VolumeInfo, ...]: ...

    def list_public_ips(self, *, session: AgencySession) -> tuple[PublicIpInfo, ...]: ...

    def list_subnets(self, *, session: AgencySession) -> tuple[Subnet, ...]:
        """The subnets of every VPC of the customer's project in the session's region
        (``ListSubnets``, paged by ``marker``)."""
        ...

    def change_power(
        self, *, session: AgencySession, server_ids: Sequence[str], action: PowerAction
    ) -> None:
        """Start, stop or reboot servers (``/cloudservers/action``)."""
        ...

    def attach_volume(
        self, *, session: AgencySession, server_id: str, volume_id: str, device: str | None = None
    ) -> None:
        """Attach a disk to a server in the same zone (``attach_server_volume``)."""
        ...

    def bind_public_ip(self, *, session: AgencySession, eip_id: str, port_id: str | None) -> None:
        """Bind an EIP to a server's port (None: unbind; ``update_publicip``)."""
        ...

    def ensure_security_group(
        self, *, session: AgencySession, vpc_id: str, name: str, tcp_ports: Sequence[int] = ()
    ) -> str:
        """The security group ``name`` of the VPC (created with ingress rules for ``tcp_ports``
        when missing); its id."""
        ...
