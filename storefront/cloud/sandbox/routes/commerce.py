"""Buying for a customer: funding, agency credentials, resource creation, orders, usage.

Wire formats follow the SDK models (``huaweicloudsdkbss`` v2, ``huaweicloudsdkiam`` v3,
``huaweicloudsdkecs``/``evs``/``vpc``/``eip``). Like the provider, ECS and EVS creates are
idempotent on their ``X-Client-Token``; VPC, subnet and EIP creates are not (a retry makes
another one): callers find what an earlier try made through the list APIs (VPC
``description``, EIP ``alias``). A server needs an image that exists in its region and a
subnet of the VPC it names.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud import demo
from storefront.cloud.sandbox import prices, renewals
from storefront.cloud.sandbox.commerce import (
    ON_DEMAND_CODES,
    ORDER_PROCESSING,
    ORDER_UNPAID,
    PREPAID_CODES,
    RESOURCE_STATES,
    CloudOrder,
    CloudResource,
    CustomerFunds,
    Project,
    ResourceMarker,
    Transfer,
)
from storefront.cloud.sandbox.console_models import Subnet
from storefront.cloud.sandbox.federation_models import SecurityToken, token_hash
from storefront.cloud.sandbox.lifecycle import settle_orders, settle_resources
from storefront.cloud.sandbox.models import AccessKey, Account
from storefront.cloud.sandbox.routes.partners import reseller_adjust_records
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_commerce", __name__)
control_bp = Blueprint("sandbox_commerce_control", __name__, url_prefix="/_sandbox")

CENT = Decimal("0.01")
SESSION_USER = re.compile(r"[A-Za-z][A-Za-z0-9_-]{4,63}")  # IAM's session_user.name rule
TIME = "%Y-%m-%dT%H:%M:%SZ"


def _now() -> datetime:
    return sandbox_state().now().replace(tzinfo=None)


def _iso(value: datetime | None) -> str | None:
    return value.strftime(TIME) if value else None


def _partner(s: Session) -> Account:
    account = s.get(Account, caller_id())
    if account is None or not is_partner(account):
        raise ApiError(403, "CBC.0151", "Access denied.")
    return account


def _own_customer(s: Session, partner: Account, customer_id: str | None) -> Account:
    customer = s.get(Account, customer_id) if customer_id else None
    if customer is None or customer.parent_id != partner.domain_id:
        raise ApiError(400, "CBC.0156", "The customer is not associated with the partner.")
    return customer


# --------------------------------------------------------------------------- funds


@bp.post("/v2/accounts/partner-accounts/adjust-amount")
def adjust_amount() -> Response:
    data = body()
    amount = field(data, "amount", Decimal, required=True)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise bad_request("amount must be positive with at most two decimals.")
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        customer = _own_customer(s, partner, field(data, "customer_id", str, required=True))
        funds = s.get(CustomerFunds, customer.domain_id)
        if funds is None:
            funds = CustomerFunds(customer_id=customer.domain_id, balance=Decimal("0.00"))
            s.add(funds)
        funds.balance += amount
        transfer = Transfer(
            id=uuid.uuid4().hex,
            partner_id=partner.domain_id,
            customer_id=customer.domain_id,
            amount=amount,
            created_at=_now(),
        )
        s.add(transfer)
        return respond({"transfer_id": transfer.id})


@bp.post("/v2/accounts/partner-accounts/reclaim")
def reclaim() -> Response:
    data = body()
    amount = field(data, "amount", Decimal, required=True)
    if amount <= 0:
        raise bad_request("amount must be positive.")
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        customer = _own_customer(s, partner, field(data, "customer_id", str, required=True))
        funds = s.get(CustomerFunds, customer.domain_id)
        if funds is None or funds.balance < amount:
            raise ApiError(400, "CBC.99005003", "Insufficient balance.")
        funds.balance -= amount
        trans_id = uuid.uuid4().hex
        s.add(
            Transfer(
                id=trans_id,
                partner_id=partner.domain_id,
                customer_id=customer.domain_id,
                amount=-amount,
                created_at=_now(),
            )
        )
    return respond({"trans_id": trans_id})  # ReclaimToPartnerAccountResponse


def _utc_arg(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, TIME)
    except ValueError:
        raise bad_request(f"{name} must be UTC like 2016-03-28T14:45:38Z.") from None


_OPERATIONS = {
    "SOURCE_OPERATION_BEADJUST": True,  # funding (positive transfers)
    "SOURCE_OPERATION_BERETRIEVE": False,  # reclaim (negative transfers)
}
_OPERATION_OF = {positive: name for name, positive in _OPERATIONS.items()}


@bp.get("/v3/accounts/partner-accounts/adjust-records")
def adjust_records() -> Response:
    """``list_partner_adjust_records``: the partner's fundings and reclaims, newest first."""
    args = request.args
    operation = args.get("operation_type") or None
    if operation is not None and operation not in (*_OPERATIONS, "SOURCE_OPERATION_BEUNBIND"):
        raise bad_request("operation_type is invalid.")
    begin = _utc_arg(args.get("operation_time_begin"), "operation_time_begin")
    end = _utc_arg(args.get("operation_time_end"), "operation_time_end")
    try:
        offset, limit = int(args.get("offset") or 0), int(args.get("limit") or 10)
    except ValueError:
        raise bad_request("offset and limit must be integers.") from None
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("offset >= 0 and limit 1..100.")
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        query = (
            select(Transfer)
            .where(Transfer.partner_id == partner.domain_id)
            .order_by(Transfer.created_at.desc(), Transfer.id)
        )
        if args.get("customer_id"):
            query = query.where(Transfer.customer_id == args["customer_id"])
        if args.get("trans_id"):
            query = query.where(Transfer.id == args["trans_id"])
        if begin is not None:
            query = query.where(Transfer.created_at >= begin)
        if end is not None:
            query = query.where(Transfer.created_at <= end)
        if operation == "SOURCE_OPERATION_BEUNBIND":
            rows = []
        else:
            rows = list(s.scalars(query))
            if operation is not None:
                positive = _OPERATIONS[operation]
                rows = [t for t in rows if (t.amount > 0) == positive]
        names = {
            a.domain_id: a.name
            for a in s.scalars(select(Account).where(Account.parent_id == partner.domain_id))
        }
        found: list[tuple[datetime, dict[str, Any]]] = [
            (
                t.created_at,
                {
                    "customer_id": t.customer_id,
                    "customer_name": names.get(t.customer_id, ""),
                    "operation_type": _OPERATION_OF[t.amount > 0],
                    "amount": str(abs(t.amount)),
                    "currency": "CNY",
                    "apply_scene": "",
                    "operation_time": _iso(t.created_at),
                    "measure_id": 1,
                    "trans_id": t.id,
                    "memo": "",
                },
            )
            for t in rows
        ]
        # a distributor's allocations to its resellers are adjust records too
        found += reseller_adjust_records(
            s,
            partner.domain_id,
            customer_id=args.get("customer_id") or None,
            operation_type=operation,
            begin=begin,
            end=end,
            trans_id=args.get("trans_id") or None,
        )
    found.sort(key=lambda pair: pair[0], reverse=True)
    records = [record for _, record in found[offset : offset + limit]]
    return respond({"records": records, "total_count": len(found)})


# --------------------------------------------------------------------------- IAM


@bp.post("/v3.0/OS-CREDENTIAL/securitytokens")
def security_token() -> Response:
    data = body()
    identity = ((data.get("auth") or {}).get("identity")) or {}
    role = identity.get("assume_role") or {}
    if identity.get("methods") != ["assume_role"] or not role.get("agency_name"):
        raise ApiError(400, "IAM.0007", "Request parameter 'auth.identity' is invalid.")
    session_user = (role.get("session_user") or {}).get("name")
    if session_user is not None and not SESSION_USER.fullmatch(str(session_user)):
        raise ApiError(400, "IAM.0007", "Request parameter 'session_user.name' is invalid.")
    expires = datetime.now(UTC) + timedelta(seconds=int(role.get("duration_seconds") or 900))
    token = secrets.token_urlsafe(48)
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        customer = s.get(Account, role.get("domain_id"))
        # The agency a customer grants its partner is named after the partner's xaccountType.
        if (
            customer is None
            or customer.parent_id != partner.domain_id
            or role["agency_name"] != partner.xaccount_type
        ):
            raise ApiError(403, "IAM.0002", "The agency does not exist or is not granted.")
        ak, sk = "TMP" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
        s.add(AccessKey(ak=ak, sk=sk, domain_id=customer.domain_id))
        s.add(
            SecurityToken(
                ak=ak,
                token_hash=token_hash(token),
                domain_id=customer.domain_id,
                agency_name=str(role["agency_name"])[:64],
                assumed_by=partner.domain_id,
                session_user=session_user,
                expires_at=expires.replace(tzinfo=None),
            )
        )
    credential = {
        "access": ak,
        "secret": sk,
        "securitytoken": token,
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
    }
    return respond({"credential": credential}, 201)


@bp.get("/v3/auth/projects")
def auth_projects() -> Response:
    with sandbox_state().db.session() as s:
        domain_id = caller_id()
        projects = []
        for region in prices.REGIONS:
            pid = Project.id_for(domain_id, region)
            if s.get(Project, pid) is None:
                s.add(Project(id=pid, domain_id=domain_id, region=region))
            projects.append(
                {
                    "id": pid,
                    "name": region,
                    "domain_id": domain_id,
                    "parent_id": domain_id,
                    "is_domain": False,
                    "enabled": True,
                    "description": "",
                    "links": {"self": f"/v3/projects/{pid}"},
                }
            )
    return respond({"projects": projects, "links": {"self": "/v3/auth/projects"}})


# --------------------------------------------------------------------------- creating resources


def _project(s: Session, project_id: str) -> Project:
    project = s.get(Project, project_id)
    if project is None or project.domain_id != caller_id():
        raise ApiError(403, "Ecs.0001", "The project does not belong to the caller.")
    return project


def _existing(s: Session, customer_id: str, token: str) -> list[CloudResource]:
    return list(
        s.scalars(
            select(CloudResource)
            .where(CloudResource.customer_id == customer_id, CloudResource.client_token == token)
            .order_by(CloudResource.resource_id)
        )
    )


def _period(charging: dict[str, Any]) -> tuple[int | None, int | None]:
    kind = str(charging.get("period_type") or "").lower()
    num = charging.get("period_num")
    if kind not in ("month", "year") or not isinstance(num, int) or num < 1:
        raise bad_request("A prepaid resource needs period_type month|year and period_num >= 1.")
    return (2 if kind == "month" else 3), num


def _price(
    product: prices.Product | None, region: str, size: int, months: Decimal | None
) -> Decimal:
    if product is None or region not in prices.REGIONS:
        raise bad_request("The spec is not sold in this region.")
    factor = prices.REGIONS[region][1]
    unit = prices.unit_price(product, size, monthly=months is not None)
    return unit * factor * (months if months is not None else 1)


def _create(
    s: Session,
    project: Project,
    *,
    kind: str,
    service_type: str,
    resource_type: str,
    spec: str,
    size: int | None,
    count: int,
    name: str,
    token: str,
    prepaid: bool,
    charging: dict[str, Any],
) -> tuple[str | None, list[CloudResource]]:
    found = _existing(s, project.domain_id, token)
    if found:
        return found[0].order_id, found
    if not 1 <= count <= 100:
        raise bad_request("count must be 1..100.")
    parts = _priced_parts(service_type, resource_type, spec, size)
    hourly = sum((_price(p, project.region, n, None) for p, n in parts), Decimal(0))
    order_id = None
    now = _now()
    if prepaid:
        period_type, period_num = _period(charging)
        months = Decimal(period_num or 1) * (prices.YEAR_IN_MONTHS if period_type == 3 else 1)
        official = count * sum(
            (_price(p, project.region, n, months) for p, n in parts), Decimal(0)
        )
        # The provider charges the customer's account at the customer's own price.
        customer = s.get(Account, project.domain_id)
        rate = customer.discount_rate if customer else Decimal(1)
        order = CloudOrder(
            order_id="CS" + now.strftime("%y%m%d%H%M") + secrets.token_hex(5).upper(),
            customer_id=project.domain_id,
            service_type=service_type,
            official_amount=official.quantize(CENT),
            amount=(official * rate).quantize(CENT, rounding=ROUND_DOWN),
            period_type=period_type,
            period_num=period_num,
            created_at=now,
        )
        s.add(order)
        order_id = order.order_id
    made = []
    for _ in range(count):
        resource = CloudResource(
            resource_id=str(uuid.uuid4()),
            customer_id=project.domain_id,
            project_id=project.id,
            region=project.region,
            kind=kind,
            service_type=service_type,
            resource_type=resource_type,
            spec=spec,
            size=size,
            name=name or kind,
            status="creating" if prepaid else "active",
            charge_mode="prePaid" if prepaid else "postPaid",
            order_id=order_id,
            client_token=token,
            hourly_official=hourly,
            created_at=now,
            active_at=None if prepaid else now,
        )
        s.add(resource)
        made.append(resource)
    s.flush()
    return order_id, made


def _priced_parts(
    service_type: str, resource_type: str, spec: str, size: int | None
) -> list[tuple[prices.Product | None, int]]:
    """What the provider charges for one resource: an EIP is its address plus its bandwidth
    (``5_bgp`` + ``19_bgp`` × Mbit/s), every other resource its own spec."""
    product = prices.find(service_type, resource_type, spec)
    if resource_type != prices.IP:
        return [(product, size or 1)]
    line = spec.split("_", 1)[-1]  # 5_bgp -> bgp
    bandwidth = prices.find(prices.VPC, prices.BANDWIDTH, f"19_{line}")
    return [(product, 1), (bandwidth, size or 1)]


def _prepaid(mode: Any) -> bool:
    if mode in ("prePaid", "postPaid"):
        return bool(mode == "prePaid")
    raise bad_request("charging_mode must be prePaid or postPaid.")


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
        project = _project(s, project_id)
        if not _existing(s, project.domain_id, token):  # a retry is answered as before
            _check_boot(s, project, server)
        os_suffix = ".win" if _image_os(project, server.get("imageRef")) == "windows" else ".linux"
        order_id, made = _create(
            s, project, kind="ecs", service_type=prices.EC2, resource_type=prices.VM,
            spec=flavor + os_suffix, size=None, count=int(server.get("count") or 1),
            name=str(server.get("name") or ""), token=token,
            prepaid=_prepaid(extend.get("chargingMode") or extend.get("charging_mode")),
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
        project = _project(s, project_id)
        rows = {r.resource_id: r for r in _listed(s, project, "ecs", paged=False)}
        _expire(list(rows.values()))
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
                    "created": _iso(r.created_at),
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
    vpc = _own_vpc(s, project, server.get("vpcid"))
    nics = server.get("nics") or []
    if not isinstance(nics, list) or not nics:
        raise ApiError(400, "Ecs.0005", "Invalid parameter values: nics is required.")
    for nic in nics:
        subnet = s.get(Subnet, (nic or {}).get("subnet_id")) if isinstance(nic, dict) else None
        if subnet is None or subnet.vpc_id != vpc.resource_id:
            raise ApiError(
                400, "Ecs.0005",
                f"Invalid parameter values: subnet {(nic or {}).get('subnet_id')} does not"
                f" exist in vpc {vpc.resource_id}.",
            )


@bp.post("/v2.1/<project_id>/cloudvolumes")
def create_volume(project_id: str) -> Response:
    data = body()
    volume = data.get("volume") or {}
    bss = data.get("bssParam") or data.get("bss_param") or {}
    bss = {**bss, "period_type": bss.get("periodType"), "period_num": bss.get("periodNum")}
    size = field(volume, "size", int, required=True)
    token = request.headers.get("X-Client-Token") or uuid.uuid4().hex
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        order_id, made = _create(
            s, project, kind="evs", service_type=prices.EBS, resource_type=prices.VOLUME,
            spec=field(volume, "volume_type", str, required=True), size=size,
            count=int(volume.get("count") or 1), name=str(volume.get("name") or ""), token=token,
            prepaid=_prepaid(bss.get("chargingMode") or bss.get("charging_mode") or "postPaid"),
            charging=bss,
        )
        ids = [r.resource_id for r in made]
    payload: dict[str, Any] = {"job_id": uuid.uuid4().hex, "volume_ids": ids}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)


def _vpc_json(r: CloudResource, description: str) -> dict[str, Any]:
    return {
        "id": r.resource_id, "name": r.name, "cidr": "192.168.0.0/16",
        "description": description, "status": "OK", "routes": [], "tenant_id": r.project_id,
    }


def _marker(s: Session, resource_id: str) -> str:
    found = s.get(ResourceMarker, resource_id)
    return found.text if found else ""


@bp.post("/v1/<project_id>/vpcs")
def create_vpc(project_id: str) -> Response:
    vpc = body().get("vpc") or {}
    description = str(vpc.get("description") or "")[:255]
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        _, made = _create(
            s, project, kind="vpc", service_type=prices.VPC, resource_type=prices.VPC_RESOURCE,
            spec="vpc", size=None, count=1, name=str(vpc.get("name") or ""),
            token=uuid.uuid4().hex, prepaid=False, charging={},  # no client token upstream
        )
        r = made[0]
        s.add(ResourceMarker(resource_id=r.resource_id, text=description))
        payload = _vpc_json(r, description)
    return respond({"vpc": payload})


def _listed(
    s: Session, project: Project, kind: str, *, paged: bool = True
) -> list[CloudResource]:
    marker = request.args.get("marker") if paged else None
    limit = int(request.args.get("limit") or 2000) if paged else 2000
    rows = list(
        s.scalars(
            select(CloudResource)
            .where(
                CloudResource.project_id == project.id,
                CloudResource.kind == kind,
                CloudResource.status != "released",
            )
            .order_by(CloudResource.resource_id)
        )
    )
    if marker:
        rows = [r for r in rows if r.resource_id > marker]
    return rows[: max(1, min(limit, 2000))]


@bp.get("/v1/<project_id>/vpcs")
def list_vpcs(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        vpcs = [_vpc_json(r, _marker(s, r.resource_id)) for r in _listed(s, project, "vpc")]
    return respond({"vpcs": vpcs})


def _subnet_json(n: Subnet, project_id: str, description: str) -> dict[str, Any]:
    gateway = n.cidr.rsplit(".", 1)[0] + ".1" if "." in n.cidr else ""
    return {
        "id": n.id, "name": n.name, "description": description, "cidr": n.cidr,
        "gateway_ip": gateway, "vpc_id": n.vpc_id, "status": "ACTIVE",
        "dhcp_enable": True, "neutron_network_id": n.id, "neutron_subnet_id": n.id,
        "tenant_id": project_id,
    }


def _own_vpc(s: Session, project: Project, vpc_id: Any) -> CloudResource:
    vpc = s.get(CloudResource, vpc_id) if isinstance(vpc_id, str) else None
    if vpc is None or vpc.kind != "vpc" or vpc.project_id != project.id:
        raise ApiError(404, "VPC.0202", f"Vpc {vpc_id} could not be found.")
    return vpc


@bp.post("/v1/<project_id>/subnets")
def create_subnet(project_id: str) -> Response:
    subnet = body().get("subnet") or {}
    for name in ("name", "cidr", "gateway_ip", "vpc_id"):
        if not isinstance(subnet.get(name), str) or not subnet[name]:
            raise ApiError(400, "VPC.0201", f"subnet.{name} is required.")
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        vpc = _own_vpc(s, project, subnet["vpc_id"])
        made = Subnet(
            id=str(uuid.uuid4()), vpc_id=vpc.resource_id, name=subnet["name"][:64],
            cidr=subnet["cidr"][:32], created_at=_now(),
        )
        description = str(subnet.get("description") or "")[:255]
        s.add(made)
        s.add(ResourceMarker(resource_id=made.id, text=description))
        payload = _subnet_json(made, project.id, description)
    return respond({"subnet": payload})


@bp.get("/v1/<project_id>/subnets")
def list_subnets(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        vpc_ids = [r.resource_id for r in _listed(s, project, "vpc", paged=False)]
        query = select(Subnet).where(Subnet.vpc_id.in_(vpc_ids)).order_by(Subnet.id)
        if request.args.get("vpc_id"):
            query = query.where(Subnet.vpc_id == request.args["vpc_id"])
        subnets = [_subnet_json(n, project.id, _marker(s, n.id)) for n in s.scalars(query)]
    return respond({"subnets": subnets})


@bp.post("/v2.0/<project_id>/publicips")
def create_publicip(project_id: str) -> Response:
    data = body()
    ip = data.get("publicip") or {}
    bandwidth = data.get("bandwidth") or {}
    extend = data.get("extendParam") or data.get("extend_param") or {}
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        order_id, made = _create(
            s, project, kind="eip", service_type=prices.VPC, resource_type=prices.IP,
            spec=field(ip, "type", str, required=True), size=int(bandwidth.get("size") or 1),
            count=1, name=str(bandwidth.get("name") or ""), token=uuid.uuid4().hex,
            prepaid=_prepaid(extend.get("charge_mode") or "postPaid"), charging=extend,
        )  # no client token upstream: every call makes an address
        r = made[0]
        alias = str(ip.get("alias") or "")[:255]
        s.add(ResourceMarker(resource_id=r.resource_id, text=alias))
        # PublicipCreateResp has no ``profile`` (only the listing's PublicipShowResp has it):
        # the order id comes back beside the address, as ``order_id``.
        created = {k: v for k, v in _publicip_json(r, alias).items() if k != "profile"}
        payload: dict[str, Any] = {"publicip": created, "publicip_id": r.resource_id}
    if order_id:
        payload["order_id"] = order_id
    return respond(payload)


def _publicip_json(r: CloudResource, alias: str) -> dict[str, Any]:
    return {
        "id": r.resource_id,
        "status": "PENDING_CREATE" if r.status == "creating" else "DOWN",
        "type": r.spec,
        "public_ip_address": f"100.64.{int(r.resource_id[:2], 16)}.{int(r.resource_id[2:4], 16)}",
        "bandwidth_size": r.size, "ip_version": 4, "tenant_id": r.project_id,
        "alias": alias,
        "profile": {"order_id": r.order_id, "region_id": r.region, "user_id": r.customer_id}
        if r.order_id else None,
    }


@bp.get("/v1/<project_id>/publicips")
def list_publicips(project_id: str) -> Response:
    with sandbox_state().db.session() as s:
        project = _project(s, project_id)
        ips = [
            _publicip_json(r, _marker(s, r.resource_id)) for r in _listed(s, project, "eip")
        ]
    return respond({"publicips": ips})


# --------------------------------------------------------------------------- orders


def _settle(s: Session, orders: list[CloudOrder]) -> None:
    settle_orders(s, orders, _now(), sandbox_state().lifecycle)


@bp.post("/v3/orders/customer-orders/pay")
def pay_orders() -> Response:
    data = body()
    order_id = field(data, "order_id", str, required=True)
    with sandbox_state().db.session() as s:
        order = s.get(CloudOrder, order_id)
        # The pay_orders error table: CBC.30000010 invalid order (may not exist), CBC.99003106
        # the order status has changed (paid or cancelled), CBC.99005003 insufficient balance.
        if order is None or order.customer_id != caller_id():
            raise ApiError(400, "CBC.30000010", "Invalid order.")
        _settle(s, [order])  # an order past its payment deadline is cancelled
        if order.status != ORDER_UNPAID:
            raise ApiError(400, "CBC.99003106", "The order status has changed.")
        funds = s.get(CustomerFunds, order.customer_id)
        if funds is None or funds.balance < order.amount:
            raise ApiError(400, "CBC.99005003", "Insufficient balance.")
        funds.balance -= order.amount
        # paid: processing (3) until the resources are made, then completed (5)
        order.status, order.paid_at = ORDER_PROCESSING, _now()
        _settle(s, [order])
    return respond({})


def _order_info(o: CloudOrder) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "customer_id": o.customer_id,
        "service_type_code": o.service_type,
        "source_type": 1,
        "status": o.status,
        "order_type": 1,
        "amount_after_discount": o.amount,
        "official_amount": o.official_amount,
        "measure_id": 1,
        "create_time": _iso(o.created_at),
        "payment_time": _iso(o.paid_at),
        "currency": o.currency,
    }


@bp.get("/v2/orders/customer-orders")
def list_customer_orders() -> Response:
    args = request.args
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        query = select(CloudOrder).order_by(CloudOrder.created_at)
        if args.get("customer_id"):
            _own_customer(s, partner, args["customer_id"])
            query = query.where(CloudOrder.customer_id == args["customer_id"])
        if args.get("order_id"):
            query = query.where(CloudOrder.order_id == args["order_id"])
        orders = [
            o for o in s.scalars(query)
            if (c := s.get(Account, o.customer_id)) is not None and c.parent_id == partner.domain_id
        ]
        _settle(s, orders)
        offset, limit = int(args.get("offset") or 0), int(args.get("limit") or 10)
        infos = [_order_info(o) for o in orders[offset : offset + limit]]
    return respond({"total_count": len(orders), "order_infos": infos})


@bp.get("/v2/orders/customer-orders/details/<order_id>")
def show_customer_order(order_id: str) -> Response:
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        order = s.get(CloudOrder, order_id)
        customer = s.get(Account, order.customer_id) if order else None
        if order is None or customer is None or customer.parent_id != partner.domain_id:
            raise ApiError(404, "CBC.30000010", "The order does not exist.")
        _settle(s, [order])
        lines = [
            {
                "order_line_item_id": r.resource_id,
                "service_type_code": r.service_type,
                "product_spec_desc": r.spec,
                "period_type": order.period_type,
                "period_num": order.period_num,
                "subscription_num": 1,
                "currency": order.currency,
                "order_id": order.order_id,
            }
            for r in s.scalars(select(CloudResource).where(CloudResource.order_id == order_id))
        ]
        return respond(
            {"total_count": len(lines), "order_info": _order_info(order), "order_line_items": lines}
        )


# --------------------------------------------------------------------------- resources


def _resource_rows(s: Session, data: dict[str, Any], *, prepaid: bool) -> list[CloudResource]:
    partner = _partner(s)
    customer = _own_customer(s, partner, field(data, "customer_id", str, required=True))
    query = select(CloudResource).where(
        CloudResource.customer_id == customer.domain_id,
        CloudResource.charge_mode == ("prePaid" if prepaid else "postPaid"),
    ).order_by(CloudResource.created_at, CloudResource.resource_id)
    if data.get("order_id"):
        query = query.where(CloudResource.order_id == data["order_id"])
    if data.get("resource_ids"):
        query = query.where(CloudResource.resource_id.in_(list(data["resource_ids"])))
    if data.get("region_code"):
        query = query.where(CloudResource.region == data["region_code"])
    rows = list(s.scalars(query))
    _expire(rows)
    return rows


def _expire(rows: list[CloudResource]) -> None:
    """Bring ``rows`` (and their orders) to the sandbox's now (``lifecycle``)."""
    if not rows:
        return
    s = Session.object_session(rows[0])
    ids = {r.order_id for r in rows if r.order_id}
    if s is not None and ids:
        _settle(s, list(s.scalars(select(CloudOrder).where(CloudOrder.order_id.in_(ids)))))
    settle_resources(rows, _now(), sandbox_state().lifecycle)


def _page(data: dict[str, Any], rows: list[Any]) -> list[Any]:
    offset, limit = int(data.get("offset") or 0), int(data.get("limit") or 10)
    return rows[offset : offset + limit]


@bp.post("/v2/orders/suscriptions/resources/query")
def prepaid_resources() -> Response:
    data = body()
    with sandbox_state().db.session() as s:
        rows = [r for r in _resource_rows(s, data, prepaid=True) if r.status in PREPAID_CODES]
        only_main, asked = data.get("only_main_resource") == 1, bool(data.get("resource_ids"))
        rows = renewals.with_attached(s, rows, only_main=only_main, asked=asked)
        items = [
            {
                "id": r.resource_id,
                "resource_id": r.resource_id,
                "resource_name": r.name,
                "region_code": r.region,
                "service_type_code": r.service_type,
                "resource_type_code": r.resource_type,
                "resource_spec_code": r.spec,
                "project_id": r.project_id,
                **renewals.listing_fields(s, r),  # is_main_resource, parent, expire_policy
                "status": PREPAID_CODES[r.status],
                "effective_time": _iso(r.active_at),
                "expire_time": _iso(r.expire_at),
                "spec_size": r.size,
            }
            for r in _page(data, rows)
        ]
    return respond({"data": items, "total_count": len(rows)})


@bp.post("/v2/partners/sub-customers/on-demand-resources/query")
def on_demand_resources() -> Response:
    data = body()
    with sandbox_state().db.session() as s:
        rows = _resource_rows(s, data, prepaid=False)
        items = [
            {
                "customer_id": r.customer_id,
                "region_code": r.region,
                "service_type_code": r.service_type,
                "resource_type_code": r.resource_type,
                "resource_id": r.resource_id,
                "resource_name": r.name,
                "effective_time": _iso(r.active_at),
                "expire_time": _iso(r.released_at),
                "status": ON_DEMAND_CODES[r.status],
                "resource_spec_code": r.spec,
            }
            for r in _page(data, rows)
        ]
    return respond({"resources": items, "total_count": len(rows)})


@bp.get("/v2/bills/subcustomer-bills/res-fee-records")
def usage_records() -> Response:
    args = request.args
    cycle = args.get("bill_cycle") or ""
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        customer = _own_customer(s, partner, args.get("customer_id"))
        now = _now()
        records = []
        for r in s.scalars(
            select(CloudResource)
            .where(
                CloudResource.customer_id == customer.domain_id,
                CloudResource.charge_mode == "postPaid",
                CloudResource.active_at.is_not(None),
            )
            .order_by(CloudResource.created_at, CloudResource.resource_id)
        ):
            assert r.active_at is not None
            end = min(now, r.released_at or now)
            hours = int((end - r.active_at).total_seconds() // 3600)
            for i in range(max(hours, 0)):
                start = r.active_at + timedelta(hours=i)
                if start.strftime("%Y-%m") != cycle:
                    continue
                records.append(
                    {
                        "id": f"{r.resource_id}:{i}",
                        "bill_cycle": cycle,
                        "customer_id": r.customer_id,
                        "service_type_code": r.service_type,
                        "resource_type_code": r.resource_type,
                        "charging_mode": 3,
                        "resource_id": r.resource_id,
                        "resource_name": r.name,
                        "region_code": r.region,
                        "consume_time": _iso(start),
                        "usage_amount": Decimal(1),
                        "usage_measure_id": 4,
                        "official_amount": r.hourly_official.quantize(Decimal("0.000001")),
                    }
                )
    page = _page(dict(args), records)
    return respond({"total_count": len(records), "currency": "CNY", "fee_records": page})


# --------------------------------------------------------------------------- control


@control_bp.post("/customers/<customer_id>/discount")
def set_customer_discount(customer_id: str) -> Response:
    """``{"rate": "0.8"}``: the customer's own discount at the provider (its ratings and the
    orders it is charged for), e.g. a commercial discount the provider granted it."""
    try:
        rate = Decimal(str(body().get("rate")))
    except ArithmeticError:
        raise bad_request("rate must be a decimal number.") from None
    if not Decimal("0.01") <= rate <= Decimal("2"):
        raise bad_request("rate must be between 0.01 and 2.")
    with sandbox_state().db.session() as s:
        customer = s.get(Account, customer_id)
        if customer is None:
            raise ApiError(404, "CBC.0101", "No such customer.")
        customer.discount_rate = rate
    return respond({"customer_id": customer_id, "rate": str(rate)})


@control_bp.post("/resources/advance")
def advance() -> Response:
    """Move every resource's life ``hours`` into the past (usage accrues, expiry nears)."""
    data = body()
    hours = field(data, "hours", Decimal, required=True)
    delta = timedelta(hours=float(hours))
    with sandbox_state().db.session() as s:
        rows = list(s.scalars(select(CloudResource)))
        for r in rows:
            r.created_at -= delta
            for name in ("active_at", "expire_at", "released_at"):
                value = getattr(r, name)
                if value is not None:
                    setattr(r, name, value - delta)
        _expire(rows)
    return respond({"advanced_hours": hours, "resources": len(rows)})


@control_bp.get("/resources")
def resources() -> Response:
    with sandbox_state().db.session() as s:
        rows = [
            {
                "resource_id": r.resource_id, "customer_id": r.customer_id, "kind": r.kind,
                "spec": r.spec, "region": r.region, "status": r.status, "name": r.name,
                "order_id": r.order_id, "charge_mode": r.charge_mode,
                "client_token": r.client_token, "expire_at": _iso(r.expire_at),
            }
            for r in s.scalars(select(CloudResource).order_by(CloudResource.created_at))
        ]
        orders = [_order_info(o) for o in s.scalars(select(CloudOrder))]
        funds = {f.customer_id: f.balance for f in s.scalars(select(CustomerFunds))}
    return respond({"resources": rows, "orders": orders, "funds": funds})


@control_bp.post("/resources/<resource_id>/status")
def set_status(resource_id: str) -> Response:
    status = field(body(), "status", str, required=True)
    if status not in RESOURCE_STATES:
        raise bad_request(f"status must be one of {', '.join(RESOURCE_STATES)}.")
    with sandbox_state().db.session() as s:
        r = s.get(CloudResource, resource_id)
        if r is None:
            raise ApiError(404, "CBC.0101", "No such resource.")
        r.status = status
        if status == "released":
            r.released_at = _now()
    return respond({"resource_id": resource_id, "status": status})
