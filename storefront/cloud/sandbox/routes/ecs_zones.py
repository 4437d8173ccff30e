"""ECS availability zones (``ListServerAzInfo``, ``NovaListAvailabilityZones``) and flavours
with their sale status per zone (``ListFlavors``), plus a test control that sells a flavour
out in a zone.

``os_extra_specs`` as the ``FlavorExtraSpec`` model documents: ``cond:operation:status`` is the
region-wide status (``normal``, ``abandon``, ``sellout``, ``obt``, ``promotion``; absent =
normal) and ``cond:operation:az`` lists the zones that differ, as ``az(status)`` items joined by
``, ``. With ``availability_zone`` the list holds the flavours offered there (not ``abandon``),
sold-out ones included with their status, as the provider answers.

Paging as the ``ListFlavorsRequest`` model documents: ``limit`` "查询返回云服务器规格列表
当前页面的数量。默认为1000" (page size, default 1000) and ``marker`` "从marker指定的flavor_id的
下一条数据开始查询" (the page starts after that flavour id).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import own_project
from storefront.cloud.sandbox.images import zone_status, zones
from storefront.cloud.sandbox.server_models import FlavorSale
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import bad_request, body, field, respond

bp = Blueprint("sandbox_ecs_zones", __name__)
control_bp = Blueprint("sandbox_ecs_zones_control", __name__, url_prefix="/_sandbox")

SALE_STATES = ("normal", "abandon", "sellout", "obt", "promotion")
PERFORMANCE_TYPE = {"s6": "normal", "c6": "computingv3", "m6": "highmem"}


def flavors() -> list[tuple[str, int, int]]:
    """``(flavor id, vCPUs, memory MB)`` of every server the catalogue sells."""
    found = []
    for p in prices.CATALOGUE:
        if p.resource_type == prices.VM and p.spec.endswith(".linux"):
            parts = [part.strip() for part in p.name.split("|")]
            vcpus = int(parts[2].removesuffix("vCPUs"))
            found.append((p.spec.removesuffix(".linux"), vcpus, int(parts[3][:-3]) * 1024))
    return found


def flavor_json(s: Session, region: str, flavor: str, vcpus: int, ram: int) -> dict[str, Any]:
    per_zone = [(z, zone_status(s, z, flavor)) for z in zones(region)]
    differing = ", ".join(f"{z}({state})" for z, state in per_zone if state != "normal")
    specs = {
        "ecs:performancetype": PERFORMANCE_TYPE.get(flavor.split(".")[0], "normal"),
        "ecs:generation": flavor.split(".")[0],
        "ecs:virtualization_env_types": "CloudCompute",
        "cond:operation:status": "normal",
    }
    if differing:
        specs["cond:operation:az"] = differing
    return {
        "id": flavor,
        "name": flavor,
        "vcpus": str(vcpus),
        "ram": ram,
        "disk": "0",
        "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
        "links": [],
        "os_extra_specs": specs,
    }


@bp.get("/v2.1/<project_id>/os-availability-zone")
def list_availability_zones(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        region = own_project(s, project_id).region
    return respond(
        {
            "availabilityZoneInfo": [
                {"zoneName": z, "zoneState": {"available": True}, "hosts": None}
                for z in zones(region)
            ]
        }
    )


@bp.get("/v1/<project_id>/availability-zones")
def list_server_az_info(project_id: str) -> Response:
    """``ListServerAzInfo`` (the SDK's current call; the Nova one is deprecated there): type
    ``Center`` (central cloud), mode ``shared``, alias ``AZ1``…"""
    with sandbox_state().db.session() as s:
        region = own_project(s, project_id).region
    return respond(
        {
            "availability_zones": [
                {
                    "availability_zone_id": z,
                    "type": "Center",
                    "mode": "shared",
                    "public_border_group": "center",
                    "alias": f"AZ{i}",
                    "az_group_ids": [],
                    "category": 0,
                }
                for i, z in enumerate(zones(region), start=1)
            ]
        }
    )


FLAVOR_PAGE = 1000  # ListFlavorsRequest.limit: "默认为1000"


def _page(listed: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The page ``limit`` and ``marker`` ask for."""
    raw_limit, marker = request.args.get("limit", ""), request.args.get("marker")
    if raw_limit and (not raw_limit.isdigit() or int(raw_limit) < 1):
        raise bad_request("limit must be a positive integer.", "Ecs.0005")
    limit = int(raw_limit) if raw_limit else FLAVOR_PAGE
    start = 0
    if marker:
        ids = [f[0] for f in listed]
        if marker not in ids:
            raise bad_request(f"marker {marker} is not a flavor id.", "Ecs.0005")
        start = ids.index(marker) + 1
    return listed[start : start + limit]


@bp.get("/v1/<project_id>/cloudservers/flavors")
def list_flavors(project_id: str) -> Response:
    zone = request.args.get("availability_zone")
    with sandbox_state().db.session() as s:
        region = own_project(s, project_id).region
        if zone is not None and zone not in zones(region):
            raise bad_request(f"availability_zone {zone} does not exist.", "Ecs.0005")
        listed = [
            f for f in flavors() if zone is None or zone_status(s, zone, f[0]) != "abandon"
        ]
        found = [flavor_json(s, region, *f) for f in _page(listed)]
    return respond({"flavors": found})


@control_bp.post("/flavors/sale")
def set_flavor_sale() -> Response:
    """``{"availability_zone", "flavor", "status"}``: the flavour's status in that zone."""
    data = body()
    zone = field(data, "availability_zone", str, required=True)
    flavor = field(data, "flavor", str, required=True)
    status = field(data, "status", str, required=True)
    if status not in SALE_STATES:
        raise bad_request(f"status must be one of {', '.join(SALE_STATES)}.")
    with sandbox_state().db.session() as s:
        row = s.get(FlavorSale, (zone, flavor))
        if row is None:
            s.add(FlavorSale(availability_zone=zone, flavor=flavor, status=status))
        else:
            row.status = status
    return respond({"availability_zone": zone, "flavor": flavor, "status": status})
