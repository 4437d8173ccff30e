"""EVS disks: create (idempotent on ``X-Client-Token``) and list with their attachments."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import (
    bring_to_now,
    create_resources,
    is_prepaid,
    iso,
    listed,
    own_project,
)
from storefront.cloud.sandbox.commerce import CloudResource
from storefront.cloud.sandbox.images import zones
from storefront.cloud.sandbox.server_models import VolumeAttachment, VolumeZone
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import bad_request, body, field, respond

bp = Blueprint("sandbox_evs", __name__)


@bp.post("/v2.1/<project_id>/cloudvolumes")
def create_volume(project_id: str) -> Response:
    data = body()
    volume = data.get("volume") or {}
    bss = data.get("bssParam") or data.get("bss_param") or {}
    bss = {**bss, "period_type": bss.get("periodType"), "period_num": bss.get("periodNum")}
    size = field(volume, "size", int, required=True)
    token = request.headers.get("X-Client-Token") or uuid.uuid4().hex
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        zone = volume.get("availability_zone") or f"{project.region}a"
        if zone not in zones(project.region):
            raise bad_request(f"availability_zone {zone} does not exist.", "EVS.2001")
        order_id, made = create_resources(
            s,
            project,
            kind="evs",
            service_type=prices.EBS,
            resource_type=prices.VOLUME,
            spec=field(volume, "volume_type", str, required=True),
            size=size,
            count=int(volume.get("count") or 1),
            name=str(volume.get("name") or ""),
            token=token,
            prepaid=is_prepaid(bss.get("chargingMode") or bss.get("charging_mode") or "postPaid"),
            charging=bss,
        )
        ids = [r.resource_id for r in made]
        for rid in ids:
            if s.get(VolumeZone, rid) is None:
                s.add(VolumeZone(volume_id=rid, availability_zone=zone))
    payload: dict[str, Any] = {"job_id": uuid.uuid4().hex, "volume_ids": ids}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)


def volume_json(s: Session, r: CloudResource) -> dict[str, Any]:
    """``VolumeDetail``: ``in-use`` with its attachment, ``available`` without one,
    ``creating`` until its order is paid."""
    attachment = s.get(VolumeAttachment, r.resource_id)
    status = "creating" if r.status == "creating" else "in-use" if attachment else "available"
    zone = s.get(VolumeZone, r.resource_id)
    return {
        "id": r.resource_id,
        "name": r.name,
        "status": status,
        "size": r.size,
        "volume_type": r.spec,
        "bootable": "true" if attachment and attachment.bootable else "false",
        "availability_zone": zone.availability_zone if zone else f"{r.region}a",
        "created_at": iso(r.created_at),
        "multiattach": False,
        "shareable": "false",
        "os-vol-tenant-attr:tenant_id": r.project_id,
        "attachments": [
            {
                "attachment_id": f"{r.resource_id[:8]}-{attachment.server_id[:8]}",
                "id": r.resource_id,
                "volume_id": r.resource_id,
                "server_id": attachment.server_id,
                "device": attachment.device,
                "attached_at": iso(attachment.attached_at),
            }
        ]
        if attachment
        else [],
        "metadata": {"hw:passthrough": "false"},
    }


@bp.get("/v2/<project_id>/cloudvolumes/detail")
def list_volumes(project_id: str) -> Response:
    """``ListVolumes``: the project's disks; ``ids`` (``['a','b']`` or ``a,b``) and
    ``server_id`` narrow the list."""
    raw_ids = request.args.get("ids") or ""
    ids = {i.strip(" '\"") for i in raw_ids.strip("[]").split(",") if i.strip(" '\"")}
    server_id = request.args.get("server_id")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        rows = listed(s, project, "evs", paged=False)
        bring_to_now(rows)
        volumes = [
            volume_json(s, r)
            for r in rows
            if (not ids or r.resource_id in ids)
            and (
                server_id is None
                or any(a["server_id"] == server_id for a in volume_json(s, r)["attachments"])
            )
        ]
    return respond({"count": len(volumes), "volumes": volumes})
