"""EVS disks: create (idempotent on ``X-Client-Token``)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import (
    create_resources,
    is_prepaid,
    own_project,
)
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import body, field, respond

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
    payload: dict[str, Any] = {"job_id": uuid.uuid4().hex, "volume_ids": ids}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)
