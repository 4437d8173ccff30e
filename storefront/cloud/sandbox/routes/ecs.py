"""ECS servers: create (prepaid through an order, idempotent on ``X-Client-Token``), details."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from storefront.cloud import demo
from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import (
    bring_to_now,
    create_resources,
    is_prepaid,
    iso,
    listed,
    made_with_token,
    own_project,
    own_vpc,
)
from storefront.cloud.sandbox.commerce import (
    Project,
)
from storefront.cloud.sandbox.console_models import Subnet
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_ecs", __name__)


@bp.post("/v1.1/<project_id>/cloudservers")
def create_servers(project_id: str) -> Response:
    data = body()
    server = data.get("server") or {}
    flavor = field(server, "flavorRef", str) or field(server, "flavor_ref", str)
    if not flavor:
        raise bad_request("server.flavorRef is required.", "Ecs.0005")
    extend = server.get("extendparam") or {}
    token = request.headers.get("X-Client-Token") or uuid.uuid4().hex
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        if not made_with_token(s, project.domain_id, token):  # a retry is answered as before
            _check_boot(s, project, server)
        os_suffix = ".win" if _image_os(project, server.get("imageRef")) == "windows" else ".linux"
        order_id, made = create_resources(
            s,
            project,
            kind="ecs",
            service_type=prices.EC2,
            resource_type=prices.VM,
            spec=flavor + os_suffix,
            size=None,
            count=int(server.get("count") or 1),
            name=str(server.get("name") or ""),
            token=token,
            prepaid=is_prepaid(extend.get("chargingMode") or extend.get("charging_mode")),
            charging={
                "period_type": extend.get("periodType") or extend.get("period_type"),
                "period_num": extend.get("periodNum") or extend.get("period_num"),
            },
        )
        ids = [r.resource_id for r in made]
    payload: dict[str, Any] = {"job_id": uuid.uuid4().hex, "serverIds": ids}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)


# ECS ``ServerDetail.status`` (the SDK model lists ACTIVE, BUILD, SHUTOFF, REBOOT, ERROR, …) and
# ``OS-EXT-STS:vm_state`` for the sandbox's lifecycle words: a frozen or expired server is shut
# off by the provider until it is renewed or released.
SERVER_STATUS = {
    "creating": ("BUILD", "building"),
    "active": ("ACTIVE", "active"),
    "stopped": ("SHUTOFF", "stopped"),
    "frozen": ("SHUTOFF", "stopped"),
    "expired": ("ACTIVE", "active"),  # the grace period: still usable
}


@bp.get("/v1/<project_id>/cloudservers/detail")
def list_servers_details(project_id: str) -> Response:
    """``list_servers_details``; ``server_id=id1,id2`` filters exactly (other filters ignored),
    and an unknown id comes back as ``{id, fault}`` with every other field null."""
    wanted = [i for i in (request.args.get("server_id") or "").split(",") if i]
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        rows = {r.resource_id: r for r in listed(s, project, "ecs", paged=False)}
        bring_to_now(list(rows.values()))
        servers: list[dict[str, Any]] = []
        for rid in wanted or list(rows):
            r = rows.get(rid)
            if r is None:
                servers.append({"id": rid, "fault": {"code": 404, "message": "not found"}})
                continue
            status, vm_state = SERVER_STATUS[r.status]
            servers.append(
                {
                    "id": r.resource_id,
                    "name": r.name,
                    "status": status,
                    "OS-EXT-STS:vm_state": vm_state,
                    "OS-EXT-AZ:availability_zone": f"{r.region}a",
                    "tenant_id": project.id,
                    "created": iso(r.created_at),
                    "metadata": {"charging_mode": "1" if r.charge_mode == "prePaid" else "0"},
                }
            )
    return respond({"count": len(servers), "servers": servers})


def _image_os(project: Project, image_ref: Any) -> str | None:
    """The OS of a public image of the project's region (None: no such image)."""
    for os, template in demo.DEMO_ECS_IMAGES.items():
        if image_ref == template.format(region=project.region):
            return os
    return None


def _check_boot(s: Session, project: Project, server: dict[str, Any]) -> None:
    """What the provider checks before it accepts a server: the image and the network."""
    image_ref = server.get("imageRef") or server.get("image_ref")
    if _image_os(project, image_ref) is None:
        raise ApiError(
            400, "Ecs.0005", f"Invalid parameter values: image {image_ref} does not exist."
        )
    vpc = own_vpc(s, project, server.get("vpcid"))
    nics = server.get("nics") or []
    if not isinstance(nics, list) or not nics:
        raise ApiError(400, "Ecs.0005", "Invalid parameter values: nics is required.")
    for nic in nics:
        subnet = s.get(Subnet, (nic or {}).get("subnet_id")) if isinstance(nic, dict) else None
        if subnet is None or subnet.vpc_id != vpc.resource_id:
            raise ApiError(
                400,
                "Ecs.0005",
                f"Invalid parameter values: subnet {(nic or {}).get('subnet_id')} does not"
                f" exist in vpc {vpc.resource_id}.",
            )
