"""ECS servers: create (prepaid through an order, idempotent on ``X-Client-Token``), details,
and start/stop/reboot (``/cloudservers/action``). What a create is checked against, and the
disks and EIP it makes, is :mod:`..servers`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

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
    sandbox_now,
)
from storefront.cloud.sandbox.commerce import CloudResource, Project
from storefront.cloud.sandbox.console_models import Subnet
from storefront.cloud.sandbox.images import find_image
from storefront.cloud.sandbox.server_models import (
    EipAddress,
    ServerConfig,
    VolumeAttachment,
    VolumeZone,
)
from storefront.cloud.sandbox.servers import DEVICES, check_server, invalid, make_parts, port_of
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_ecs", __name__)

REBOOT_S = 10  # a reboot shows REBOOT for this long (sandbox time), then ACTIVE


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
        fresh = not made_with_token(s, project.domain_id, token)
        plan = None
        if fresh:  # a retry is answered as before
            _check_network(s, project, server)
            plan = check_server(s, project, server, flavor)
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
        servers = [r for r in made if r.kind == "ecs"]
        if plan is not None:
            make_parts(s, project, plan, servers, server)
        ids = [r.resource_id for r in servers]
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


def server_json(s: Session, project: Project, r: CloudResource) -> dict[str, Any]:
    """One ``ServerDetail``: status, zone, flavour, image, addresses and attached disks."""
    status, vm_state = SERVER_STATUS[r.status]
    config = s.get(ServerConfig, r.resource_id)
    now = sandbox_now()
    if status == "ACTIVE" and config and config.reboot_until and now < config.reboot_until:
        status = "REBOOT"
    flavor_id = r.spec.removesuffix(".linux").removesuffix(".win")
    answer: dict[str, Any] = {
        "id": r.resource_id,
        "name": r.name,
        "status": status,
        "OS-EXT-STS:vm_state": vm_state,
        "OS-EXT-STS:power_state": 1 if status in ("ACTIVE", "REBOOT") else 4,
        "OS-EXT-STS:task_state": "rebooting" if status == "REBOOT" else None,
        "OS-EXT-AZ:availability_zone": config.availability_zone if config else f"{r.region}a",
        "tenant_id": project.id,
        "created": iso(r.created_at),
        "flavor": {"id": flavor_id, "name": flavor_id},
        "metadata": {"charging_mode": "1" if r.charge_mode == "prePaid" else "0"},
        "addresses": {},
        "os-extended-volumes:volumes_attached": [],
    }
    if config is None:
        return answer
    found = find_image(config.image_id)
    answer["image"] = {"id": config.image_id}
    answer["key_name"] = config.key_name
    answer["metadata"] |= {
        "vpc_id": config.vpc_id,
        "image_name": found[0].name if found else "",
        "os_type": found[0].os_type if found else "",
    }
    port = port_of(config.resource_id)
    addresses = [
        {
            "version": "4",
            "addr": config.private_ip,
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS:port_id": port,
            "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
        }
    ]
    for eip in s.scalars(select(EipAddress).where(EipAddress.server_id == r.resource_id)):
        addresses.append(
            {
                "version": "4",
                "addr": eip.public_ip,
                "OS-EXT-IPS:type": "floating",
                "OS-EXT-IPS:port_id": port,
                "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
            }
        )
    answer["addresses"] = {config.vpc_id: addresses}
    attached = s.scalars(
        select(VolumeAttachment)
        .where(VolumeAttachment.server_id == r.resource_id)
        .order_by(VolumeAttachment.device)
    )
    answer["os-extended-volumes:volumes_attached"] = [
        {
            "id": a.volume_id,
            "device": a.device,
            "bootIndex": "0" if a.bootable else None,
            "delete_on_termination": "true" if a.bootable else "false",
        }
        for a in attached
    ]
    return answer


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
            servers.append(server_json(s, project, r))
    return respond({"count": len(servers), "servers": servers})


@bp.get("/v1/<project_id>/cloudservers/<server_id>")
def show_server(project_id: str, server_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        r = _own_server(s, project, server_id)
        bring_to_now([r])
        return respond({"server": server_json(s, project, r)})


# Documented transitions: os-start SHUTOFF -> ACTIVE, os-stop ACTIVE -> SHUTOFF, reboot
# ACTIVE -> REBOOT -> ACTIVE. A server in any other state refuses the action.
ACTIONS = {
    "os-start": ("stopped", "active"),
    "os-stop": ("active", "stopped"),
    "reboot": ("active", "active"),
}


@bp.post("/v1/<project_id>/cloudservers/action")
def server_action(project_id: str) -> Response:
    data = body()
    if len(data) != 1 or next(iter(data)) not in ACTIONS:
        raise invalid("the body holds one of os-start, os-stop, reboot.")
    action = next(iter(data))
    ids = [str((one or {}).get("id")) for one in (data[action] or {}).get("servers") or []]
    if not ids:
        raise invalid("servers is required.")
    before, after = ACTIONS[action]
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        rows = [s.get(CloudResource, i) for i in ids]
        for rid, r in zip(ids, rows, strict=True):
            if r is None or r.kind != "ecs" or r.project_id != project.id:
                raise ApiError(404, "Ecs.0114", f"Instance[{rid}] could not be found.")
        bring_to_now([r for r in rows if r is not None])
        for r in rows:
            assert r is not None
            if r.status != before:
                raise ApiError(409, "Ecs.0103", f"Instance[{r.resource_id}] is {r.status}.")
            r.status = after
            config = s.get(ServerConfig, r.resource_id)
            if action == "reboot" and config is not None:
                config.reboot_until = sandbox_now() + timedelta(seconds=REBOOT_S)
    return respond({"job_id": uuid.uuid4().hex})


def _image_os(project: Project, image_ref: Any) -> str | None:
    """The OS of a public image of the project's region (None: no such image)."""
    found = find_image(image_ref)
    if found is None or found[1] != project.region:
        return None
    return "windows" if found[0].os_type == "Windows" else "linux"


def _check_network(s: Session, project: Project, server: dict[str, Any]) -> None:
    """The server's VPC and subnets must be the project's, the subnets in that VPC."""
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


def _own_server(s: Session, project: Project, server_id: str) -> CloudResource:
    r = s.get(CloudResource, server_id)
    if r is None or r.kind != "ecs" or r.project_id != project.id or r.status == "released":
        raise ApiError(404, "Ecs.0114", f"Instance[{server_id}] could not be found.")
    return r


@bp.post("/v1/<project_id>/cloudservers/<server_id>/attachvolume")
def attach_server_volume(project_id: str, server_id: str) -> Response:
    """``AttachServerVolume``: an ``available`` disk of the server's zone joins it at the next
    free ``/dev/vd*`` (or the ``device`` asked, ``/dev/sd*`` read as ``/dev/vd*``)."""
    option = body().get("volumeAttachment") or {}
    volume_id = str(option.get("volumeId") or "")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        server = _own_server(s, project, server_id)
        volume = s.get(CloudResource, volume_id)
        if volume is None or volume.kind != "evs" or volume.project_id != project.id:
            raise invalid(f"volume {volume_id} does not exist.")
        bring_to_now([server, volume])
        if volume.status != "active" or s.get(VolumeAttachment, volume_id) is not None:
            raise invalid(f"volume {volume_id} is not available.")
        config = s.get(ServerConfig, server.resource_id)
        zone = s.get(VolumeZone, volume_id)
        server_zone = config.availability_zone if config else f"{server.region}a"
        if (zone.availability_zone if zone else f"{volume.region}a") != server_zone:
            raise invalid("the volume and the server must be in the same availability zone.")
        used = set(
            s.scalars(
                select(VolumeAttachment.device).where(VolumeAttachment.server_id == server_id)
            )
        )
        asked = option.get("device")
        device = str(asked).replace("/dev/sd", "/dev/vd") if asked else None
        if device is None:
            device = next(d for d in DEVICES[1:] if d not in used)
        elif device in used or device not in DEVICES[1:]:
            raise invalid(f"device {asked} is in use or invalid.")
        s.add(VolumeAttachment(volume_id=volume_id, server_id=server_id, device=device))
    return respond({"job_id": uuid.uuid4().hex})
