"""Sandbox state of servers beyond their billing row (:class:`~.commerce.CloudResource`):
key pairs (KPS), each server's boot settings and network port, disks attached to servers,
elastic IPs bound to them, and flavours sold out in an availability zone.

Separate tables, so older sandbox databases keep working (``create_all`` adds them). No
table has a password column: an ``adminPass`` is checked and dropped with the request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow


class Keypair(Base):
    """An SSH key pair of a project (KPS ``Keypair``); the private key is never kept."""

    __tablename__ = "sandbox_keypair"

    project_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(8), default="ssh")
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServerConfig(Base):
    """What a server was created with, and its power state when not simply running."""

    __tablename__ = "sandbox_server_config"

    resource_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    image_id: Mapped[str] = mapped_column(String(80))
    flavor: Mapped[str] = mapped_column(String(40))
    availability_zone: Mapped[str] = mapped_column(String(40))
    key_name: Mapped[str | None] = mapped_column(String(255))
    vpc_id: Mapped[str] = mapped_column(String(40))
    subnet_id: Mapped[str] = mapped_column(String(40))
    private_ip: Mapped[str] = mapped_column(String(40))
    security_groups: Mapped[str] = mapped_column(String(400), default="")
    reboot_until: Mapped[datetime | None]  # REBOOT until then, ACTIVE after


class VolumeAttachment(Base):
    """A disk attached to a server (``in-use``); a disk without a row is ``available``."""

    __tablename__ = "sandbox_volume_attachment"

    volume_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    server_id: Mapped[str] = mapped_column(String(40), index=True)
    device: Mapped[str] = mapped_column(String(16))
    bootable: Mapped[bool] = mapped_column(default=False)
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)


class EipAddress(Base):
    """An elastic IP's address, bandwidth and binding (bound: ``ACTIVE``, else ``DOWN``)."""

    __tablename__ = "sandbox_eip_address"

    eip_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_ip: Mapped[str] = mapped_column(String(40), unique=True)
    bandwidth_size: Mapped[int] = mapped_column(default=1)
    bandwidth_id: Mapped[str] = mapped_column(String(40))
    server_id: Mapped[str | None] = mapped_column(String(40), index=True)
    private_ip: Mapped[str | None] = mapped_column(String(40))


class FlavorSale(Base):
    """A flavour's ``cond:operation:az`` status in one availability zone (``sellout`` …);
    a zone without a row sells it (``normal``)."""

    __tablename__ = "sandbox_flavor_sale"

    availability_zone: Mapped[str] = mapped_column(String(40), primary_key=True)
    flavor: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))


class SecurityGroup(Base):
    """A VPC security group (``SecurityGroup``); its rules are :class:`SecurityGroupRule`."""

    __tablename__ = "sandbox_security_group"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(32), index=True)
    vpc_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(64))


class SecurityGroupRule(Base):
    __tablename__ = "sandbox_security_group_rule"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(String(40), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # ingress | egress
    ethertype: Mapped[str] = mapped_column(String(4), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(8))
    port_range_min: Mapped[int | None]
    port_range_max: Mapped[int | None]
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))
    remote_group_id: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")


class VolumeZone(Base):
    """The availability zone a disk was made in (a disk attaches to servers of that zone)."""

    __tablename__ = "sandbox_volume_zone"

    volume_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    availability_zone: Mapped[str] = mapped_column(String(40))
