"""The sandbox's console pages: the customer's resources and the buttons that change them."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.commerce import CloudResource
from storefront.cloud.sandbox.console_common import current_user, db_session, fail, owned
from storefront.cloud.sandbox.console_models import ConsoleAction, Subnet
from storefront.cloud.sandbox.models import utcnow
from storefront.cloud.sandbox.server_models import EipAddress, ServerConfig, VolumeAttachment
from storefront.cloud.sandbox.servers import DEVICES
from storefront.cloud.sandbox.state import sandbox_state

bp = Blueprint("sandbox_console_pages", __name__)

REBOOT_S = 10  # as the ECS action API: REBOOT this long (sandbox time), then ACTIVE
ACTIONS: dict[str, tuple[str, ...]] = {
    "ecs": ("start", "stop", "restart"),
    "evs": ("attach", "expand", "snapshot", "backup"),
    "vpc": ("create_subnet",),
    "eip": ("unbind", "release"),
}


@bp.get("/console")
@bp.get("/console/")
def home() -> ResponseReturnValue:
    user = current_user()
    with db_session() as s:
        rows = s.scalars(
            select(CloudResource)
            .where(CloudResource.customer_id == user)
            .order_by(CloudResource.created_at)
        ).all()
        return render_template("console/home.html", resources=rows)


@bp.get("/console/<kind>/<region>/<resource_id>")
def resource_page(kind: str, region: str, resource_id: str) -> ResponseReturnValue:
    with db_session() as s:
        row = owned(s, kind, region, resource_id)
        actions = s.scalars(
            select(ConsoleAction)
            .where(ConsoleAction.resource_id == row.resource_id)
            .order_by(ConsoleAction.id.desc())
        ).all()
        subnets = s.scalars(select(Subnet).where(Subnet.vpc_id == row.resource_id)).all()
        servers = s.scalars(
            select(CloudResource).where(
                CloudResource.customer_id == row.customer_id,
                CloudResource.kind == "ecs",
                CloudResource.region == row.region,
            )
        ).all()
        return render_template(
            "console/resource.html",
            r=row,
            actions=actions,
            subnets=subnets,
            servers=servers,
            allowed=ACTIONS.get(kind, ()),
            message=request.args.get("done"),
        )


@bp.post("/console/<kind>/<region>/<resource_id>/<action>")
def resource_action(kind: str, region: str, resource_id: str, action: str) -> ResponseReturnValue:
    if action not in ACTIONS.get(kind, ()):
        abort(404)
    if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "-")):
        return fail(400, "Console.0400", "The request is invalid: reload the page.")
    with db_session() as s:
        row = owned(s, kind, region, resource_id)
        error, detail = _apply(s, row, action, request.form)
        if error:
            return fail(409, "Console.0409", error)
        s.add(
            ConsoleAction(
                resource_id=row.resource_id,
                customer_id=row.customer_id,
                action=action,
                detail=detail[:255],
            )
        )
    return redirect(f"/console/{kind}/{region}/{resource_id}?done={action}", 303)


def _apply(s: Session, row: CloudResource, action: str, form: Any) -> tuple[str | None, str]:
    """Change the resource as the real console would; (error, detail)."""
    if row.status in ("released", "frozen", "expired", "creating") and action != "snapshot":
        return f"The resource is {row.status}.", ""
    if action == "start":
        if row.status != "stopped":
            return "The server is not stopped.", ""
        row.status = "active"
        return None, "started"
    if action == "stop":
        if row.status != "active":
            return "The server is not running.", ""
        row.status = "stopped"
        return None, "stopped"
    if action == "restart":
        if row.status != "active":
            return "The server is not running.", ""
        config = s.get(ServerConfig, row.resource_id)
        if config is not None:  # REBOOT for a while, then ACTIVE (as the ECS action API)
            config.reboot_until = sandbox_state().now().replace(tzinfo=None) + timedelta(
                seconds=REBOOT_S
            )
        return None, "restarted"
    if action == "attach":
        server = s.get(CloudResource, str(form.get("server_id", "")))
        if server is None or server.customer_id != row.customer_id or server.kind != "ecs":
            return "Choose one of your servers.", ""
        if s.get(VolumeAttachment, row.resource_id) is not None:
            return "The disk is already attached.", ""
        used = s.scalars(
            select(VolumeAttachment.device).where(VolumeAttachment.server_id == server.resource_id)
        ).all()
        device = next(d for d in DEVICES[1:] if d not in used)
        s.add(
            VolumeAttachment(volume_id=row.resource_id, server_id=server.resource_id, device=device)
        )
        return None, f"attached to {server.resource_id} as {device}"
    if action == "expand":
        try:
            new_size = int(form.get("size_gb", ""))
        except ValueError:
            return "Enter the new size in GB.", ""
        if new_size <= (row.size or 0) or new_size > 32768:
            return "The new size must be larger than the current size.", ""
        row.size = new_size
        return None, f"expanded to {new_size} GB"
    if action in ("snapshot", "backup"):
        return None, f"{action} {uuid.uuid4().hex[:12]}"
    if action == "create_subnet":
        name = str(form.get("name", "")).strip()[:64] or "subnet"
        cidr = str(form.get("cidr", "")).strip()[:32] or "192.168.0.0/24"
        subnet = Subnet(id=uuid.uuid4().hex[:32], vpc_id=row.resource_id, name=name, cidr=cidr)
        s.add(subnet)
        return None, f"subnet {name} {cidr}"
    if action == "unbind":
        address = s.get(EipAddress, row.resource_id)
        if address is None or address.server_id is None:
            return "The EIP is not bound.", ""
        address.server_id, address.private_ip = None, None  # DOWN from now on
        return None, "unbound"
    if action == "release":
        row.status = "released"
        row.released_at = utcnow()
        return None, "released"
    return "Unknown action.", ""
