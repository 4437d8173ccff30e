"""VPC security groups and their rules (``/v1/{project_id}/security-groups``,
``/security-group-rules``), as the ``huaweicloudsdkvpc`` v2 models document them.

A new group gets the provider's default rules: all egress (IPv4 and IPv6) and ingress from
members of the same group; anything else (SSH 22, RDP 3389 …) is a rule the caller adds.
Names: 1-64 letters, digits, Chinese, ``_ - .``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.buying import own_project
from storefront.cloud.sandbox.server_models import SecurityGroup, SecurityGroupRule
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, body, respond

bp = Blueprint("sandbox_security_groups", __name__)

NAME = re.compile(r"[\w\u4e00-\u9fa5.-]{1,64}")


def _invalid(message: str) -> ApiError:
    return ApiError(400, "VPC.0601", message)


def rule_json(r: SecurityGroupRule, project_id: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "description": r.description,
        "security_group_id": r.security_group_id,
        "direction": r.direction,
        "ethertype": r.ethertype,
        "protocol": r.protocol,
        "port_range_min": r.port_range_min,
        "port_range_max": r.port_range_max,
        "remote_ip_prefix": r.remote_ip_prefix,
        "remote_group_id": r.remote_group_id,
        "tenant_id": project_id,
    }


def group_json(s: Session, g: SecurityGroup) -> dict[str, Any]:
    rules = s.scalars(
        select(SecurityGroupRule)
        .where(SecurityGroupRule.security_group_id == g.id)
        .order_by(SecurityGroupRule.id)
    )
    return {
        "id": g.id,
        "name": g.name,
        "description": "",
        "vpc_id": g.vpc_id,
        "enterprise_project_id": "0",
        "security_group_rules": [rule_json(r, g.project_id) for r in rules],
    }


@bp.post("/v1/<project_id>/security-groups")
def create_security_group(project_id: str) -> Response:
    spec = body().get("security_group") or {}
    name = spec.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise _invalid("security_group.name must be 1-64 letters, digits, _ - .")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        group = SecurityGroup(
            id=str(uuid.uuid4()), project_id=project.id, vpc_id=spec.get("vpc_id"), name=name
        )
        s.add(group)
        for ethertype in ("IPv4", "IPv6"):
            for direction, remote in (("egress", None), ("ingress", group.id)):
                s.add(
                    SecurityGroupRule(
                        id=str(uuid.uuid4()),
                        security_group_id=group.id,
                        direction=direction,
                        ethertype=ethertype,
                        remote_group_id=remote,
                    )
                )
        s.flush()
        return respond({"security_group": group_json(s, group)})


@bp.get("/v1/<project_id>/security-groups")
def list_security_groups(project_id: str) -> Response:
    vpc_id = request.args.get("vpc_id")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        query = select(SecurityGroup).where(SecurityGroup.project_id == project.id)
        if vpc_id:
            query = query.where(SecurityGroup.vpc_id == vpc_id)
        groups = [group_json(s, g) for g in s.scalars(query.order_by(SecurityGroup.id))]
    return respond({"security_groups": groups})


def _port(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise _invalid(f"{name} must be 1-65535.")
    return value


@bp.post("/v1/<project_id>/security-group-rules")
def create_security_group_rule(project_id: str) -> Response:
    spec = body().get("security_group_rule") or {}
    if spec.get("direction") not in ("ingress", "egress"):
        raise _invalid("direction must be ingress or egress.")
    low, high = (
        _port(spec.get("port_range_min"), "port_range_min"),
        _port(spec.get("port_range_max"), "port_range_max"),
    )
    if low is not None and high is not None and low > high:
        raise _invalid("port_range_min must not be above port_range_max.")
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        group = s.get(SecurityGroup, str(spec.get("security_group_id")))
        if group is None or group.project_id != project.id:
            raise ApiError(404, "VPC.0602", "The security group does not exist.")
        rule = SecurityGroupRule(
            id=str(uuid.uuid4()),
            security_group_id=group.id,
            direction=spec["direction"],
            ethertype=spec.get("ethertype") or "IPv4",
            protocol=spec.get("protocol"),
            port_range_min=low,
            port_range_max=high,
            remote_ip_prefix=spec.get("remote_ip_prefix"),
            remote_group_id=spec.get("remote_group_id"),
            description=str(spec.get("description") or "")[:255],
        )
        s.add(rule)
        s.flush()
        return respond({"security_group_rule": rule_json(rule, project.id)})
