"""What the provider last said about a bought resource (#17): its live state, kept so a page
can show the last known one when the provider cannot be asked, and so it is asked at most once
per :func:`storefront.servers.live.fresh_for` per resource."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class ResourceState(StoreScoped, Model):
    """One resource's state at the provider when it was last read (``checked_at``).

    ``disks``: ``[{id, name, type, size_gb, status, boot, device, server_id}]``. No secret is
    ever kept here (no password, no private key).
    """

    __tablename__ = "resource_states"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    provider_status: Mapped[str | None] = mapped_column(String(32))
    availability_zone: Mapped[str | None] = mapped_column(String(40))
    image_id: Mapped[str | None] = mapped_column(String(64))
    image_name: Mapped[str | None] = mapped_column(String(128))
    key_name: Mapped[str | None] = mapped_column(String(64))
    private_ips: Mapped[list[str]] = mapped_column(JSON, default=list)
    public_ips: Mapped[list[str]] = mapped_column(JSON, default=list)
    disks: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    bandwidth_mbit: Mapped[int | None]
    launched_at: Mapped[datetime | None]  # the provider's creation time
    checked_at: Mapped[datetime]


class ServerChoice(StoreScoped, Model):
    """What the customer chose for one server line of a quote (by its position): image, zone,
    system disk (priced as the quote's line ``disk_position``), and at ordering its name, key
    pair and whether SSH / RDP is opened to it. Never the login password: that travels only in
    the create call."""

    __tablename__ = "server_choices"
    __table_args__ = (UniqueConstraint("store_id", "quote_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int]
    image_id: Mapped[str | None] = mapped_column(String(64))
    availability_zone: Mapped[str | None] = mapped_column(String(40))
    system_disk_type: Mapped[str | None] = mapped_column(String(16))
    system_disk_size: Mapped[int | None]
    disk_position: Mapped[int | None]
    server_name: Mapped[str | None] = mapped_column(String(64))
    key_pair: Mapped[str | None] = mapped_column(String(64))
    # the customer ticked "allow SSH (22) / RDP (3389) from anywhere"
    remote_login: Mapped[bool | None]
    # one of the customer's own subnets (and its VPC); null: the default VPC + subnet
    subnet_id: Mapped[str | None] = mapped_column(String(64))
    vpc_id: Mapped[str | None] = mapped_column(String(64))


class DefaultImage(StoreScoped, Model):
    """The image a store's servers of a region and OS boot when the customer chose none (an API
    order without ``image``, a visitor's calculator quote). None set: the platform's
    ``STOREFRONT_CLOUD_ECS_IMAGES``."""

    __tablename__ = "server_default_images"
    __table_args__ = (UniqueConstraint("store_id", "region_code", "os_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(40))
    os_type: Mapped[str] = mapped_column(String(16))  # Linux | Windows
    image_id: Mapped[str] = mapped_column(String(64))
