"""Creating resources in a customer's project: one entry point, one service each."""

from __future__ import annotations

from storefront.cloud.huawei.ecs import ServerCalls
from storefront.cloud.huawei.evs import VolumeCalls
from storefront.cloud.huawei.network import NetworkCalls
from storefront.cloud.interface import (
    AgencySession,
    CreatedResources,
    ResourceKind,
    ResourceRequest,
)


class ResourceCalls(ServerCalls, VolumeCalls, NetworkCalls):
    """``create_resources`` hands each kind to its service."""

    def create_resources(
        self, *, session: AgencySession, request: ResourceRequest
    ) -> CreatedResources:
        create = {
            ResourceKind.ECS: self._create_servers,
            ResourceKind.EVS: self._create_volumes,
            ResourceKind.VPC: self._create_vpcs,
            ResourceKind.EIP: self._create_publicips,
        }[request.kind]
        return create(session, request)
