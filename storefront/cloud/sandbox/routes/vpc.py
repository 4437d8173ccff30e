"""VPCs, subnets and elastic IPs: create (not idempotent: found by description/alias), list."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.buying import (
    create_resources,
    is_prepaid,
    listed,
    own_project,
    own_vpc,
    sandbox_now,
)
from storefront.cloud.sandbox.commerce import (
    CloudResource,
    ResourceMarker,
)
from storefront.cloud.sandbox.console_models import Subnet
from storefront.cloud.sandbox.server_models import EipAddress, ServerConfig
from storefront.cloud.sandbox.servers import next_public_ip, port_of
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, body, field, respond

bp = Blueprint("sandbox_vpc", __name__)


def _vpc_json(r: CloudResource, description: str) -> dict[str, Any]:
    return {
        "id": r.resource_id,
        "name": r.name,
        "cidr": "192.168.0.0/16",
        "description": description,
        "status": "OK",
        "routes": [],
        "tenant_id": r.project_id,
    }


def _marker(s: Session, resource_id: str) -> str:
    found = s.get(ResourceMarker, resource_id)
    return found.text if found else ""


@bp.post("/v1/<project_id>/vpcs")
def create_vpc(project_id: str) -> Response:
    vpc = body().get("vpc") or {}
    description = str(vpc.get("description") or "")[:255]
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        _, made = create_resources(
            s,
            project,
            kind="vpc",
            service_type=prices.VPC,
            resource_type=prices.VPC_RESOURCE,
            spec="vpc",
            size=None,
            count=1,
            name=str(vpc.get("name") or ""),
            token=uuid.uuid4().hex,
            prepaid=False,
            charging={},  # no client token upstream
        )
        r = made[0]
        s.add(ResourceMarker(resource_id=r.resource_id, text=description))
        payload = _vpc_json(r, description)
    return respond({"vpc": payload})


@bp.get("/v1/<project_id>/vpcs")
def list_vpcs(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        vpcs = [_vpc_json(r, _marker(s, r.resource_id)) for r in listed(s, project, "vpc")]
    return respond({"vpcs": vpcs})


def _subnet_json(n: Subnet, project_id: str, description: str) -> dict[str, Any]:
    gateway = n.cidr.rsplit(".", 1)[0] + ".1" if "." in n.cidr else ""
    return {
        "id": n.id,
        "name": n.name,
        "description": description,
        "cidr": n.cidr,
        "gateway_ip": gateway,
        "vpc_id": n.vpc_id,
        "status": "ACTIVE",
        "dhcp_enable": True,
        "neutron_network_id": n.id,
        "neutron_subnet_id": n.id,
        "tenant_id": project_id,
    }


@bp.post("/v1/<project_id>/subnets")
def create_subnet(project_id: str) -> Response:
    subnet = body().get("subnet") or {}
    for name in ("name", "cidr", "gateway_ip", "vpc_id"):
        if not isinstance(subnet.get(name), str) or not subnet[name]:
            raise ApiError(400, "VPC.0201", f"subnet.{name} is required.")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        vpc = own_vpc(s, project, subnet["vpc_id"])
        made = Subnet(
            id=str(uuid.uuid4()),
            vpc_id=vpc.resource_id,
            name=subnet["name"][:64],
            cidr=subnet["cidr"][:32],
            created_at=sandbox_now(),
        )
        description = str(subnet.get("description") or "")[:255]
        s.add(made)
        s.add(ResourceMarker(resource_id=made.id, text=description))
        payload = _subnet_json(made, project.id, description)
    return respond({"subnet": payload})


@bp.get("/v1/<project_id>/subnets")
def list_subnets(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        vpc_ids = [r.resource_id for r in listed(s, project, "vpc", paged=False)]
        query = select(Subnet).where(Subnet.vpc_id.in_(vpc_ids)).order_by(Subnet.id)
        if request.args.get("vpc_id"):
            query = query.where(Subnet.vpc_id == request.args["vpc_id"])
        if request.args.get("marker"):  # paged as documented: the page after this subnet id
            query = query.where(Subnet.id > request.args["marker"])
        limit = request.args.get("limit", default=2000, type=int) or 2000
        query = query.limit(max(1, min(limit, 2000)))
        subnets = [_subnet_json(n, project.id, _marker(s, n.id)) for n in s.scalars(query)]
    return respond({"subnets": subnets})


@bp.post("/v2.0/<project_id>/publicips")
def create_publicip(project_id: str) -> Response:
    data = body()
    ip = data.get("publicip") or {}
    bandwidth = data.get("bandwidth") or {}
    extend = data.get("extendParam") or data.get("extend_param") or {}
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        order_id, made = create_resources(
            s,
            project,
            kind="eip",
            service_type=prices.VPC,
            resource_type=prices.IP,
            spec=field(ip, "type", str, required=True),
            size=int(bandwidth.get("size") or 1),
            count=1,
            name=str(bandwidth.get("name") or ""),
            token=uuid.uuid4().hex,
            prepaid=is_prepaid(extend.get("charge_mode") or "postPaid"),
            charging=extend,
        )  # no client token upstream: every call makes an address
        r = made[0]
        alias = str(ip.get("alias") or "")[:255]
        s.add(ResourceMarker(resource_id=r.resource_id, text=alias))
        s.add(
            EipAddress(
                eip_id=r.resource_id,
                public_ip=next_public_ip(s),
                bandwidth_size=r.size or 1,
                bandwidth_id=str(uuid.uuid4()),
            )
        )
        s.flush()
        # PublicipCreateResp has no ``profile`` (only the listing's PublicipShowResp has it):
        # the order id comes back beside the address, as ``order_id``.
        created = {k: v for k, v in _publicip_json(s, r, alias).items() if k in _CREATED}
        payload: dict[str, Any] = {"publicip": created, "publicip_id": r.resource_id}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)


# ``PublicipCreateResp``'s fields: no ``profile``, port or bandwidth id (the listing has them).
_CREATED = {
    "id",
    "status",
    "type",
    "public_ip_address",
    "bandwidth_size",
    "ip_version",
    "tenant_id",
    "alias",
    "create_time",
}


def _publicip_json(s: Session, r: CloudResource, alias: str) -> dict[str, Any]:
    """``PublicipShowResp``: ``DOWN`` unbound, ``ACTIVE`` bound to a server's port,
    ``PENDING_CREATE`` until its order is paid, ``FREEZED`` while frozen."""
    address = s.get(EipAddress, r.resource_id)
    bound = address is not None and address.server_id is not None
    status = {"creating": "PENDING_CREATE", "frozen": "FREEZED"}.get(
        r.status, "ACTIVE" if bound else "DOWN"
    )
    return {
        "id": r.resource_id,
        "status": status,
        "type": r.spec,
        "public_ip_address": address.public_ip if address else "",
        "private_ip_address": address.private_ip if bound and address else None,
        "port_id": port_of(address.server_id) if bound and address and address.server_id else None,
        "bandwidth_size": r.size,
        "bandwidth_id": address.bandwidth_id if address else None,
        "bandwidth_share_type": "PER",
        "ip_version": 4,
        "tenant_id": r.project_id,
        "alias": alias,
        "create_time": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "profile": {"order_id": r.order_id, "region_id": r.region, "user_id": r.customer_id}
        if r.order_id
        else None,
    }


@bp.get("/v1/<project_id>/publicips")
def list_publicips(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        ips = [_publicip_json(s, r, _marker(s, r.resource_id)) for r in listed(s, project, "eip")]
    return respond({"publicips": ips})


@bp.put("/v1/<project_id>/publicips/<publicip_id>")
def update_publicip(project_id: str, publicip_id: str) -> Response:
    """``UpdatePublicip``: ``port_id`` binds a ``DOWN`` address to that port (its server's
    fixed IP); no or an empty ``port_id`` unbinds it."""
    option = body().get("publicip") or {}
    port_id = option.get("port_id") or None
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        r = s.get(CloudResource, publicip_id)
        address = s.get(EipAddress, publicip_id)
        if r is None or r.kind != "eip" or r.project_id != project.id or address is None:
            raise ApiError(404, "VPC.0301", f"Publicip {publicip_id} could not be found.")
        if port_id is None:
            address.server_id, address.private_ip = None, None
        else:
            configs = s.scalars(
                select(ServerConfig)
                .join(CloudResource, CloudResource.resource_id == ServerConfig.resource_id)
                .where(CloudResource.project_id == project.id)
            )
            config = next((c for c in configs if port_of(c.resource_id) == port_id), None)
            if config is None:
                raise ApiError(400, "VPC.0302", f"Port {port_id} does not exist.")
            if address.server_id is not None:
                raise ApiError(409, "VPC.0303", "The EIP is already bound.")
            address.server_id, address.private_ip = config.resource_id, config.private_ip
        s.flush()
        shown = _publicip_json(s, r, _marker(s, r.resource_id))
    return respond({"publicip": shown})
