"""Servers in a customer's project (ECS)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from storefront.cloud.huawei.base import HuaweiBase, period_word
from storefront.cloud.interface import (
    AgencySession,
    CloudConfigError,
    CreatedResources,
    ResourceRequest,
)


class ServerCalls(HuaweiBase):
    """Create servers; read their state."""

    def server_power_states(
        self, *, session: AgencySession, server_ids: Sequence[str]
    ) -> dict[str, str]:
        from huaweicloudsdkecs.v2 import EcsClient
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._service_client(EcsClient, "ecs", session)
        states: dict[str, str] = {}
        ids = list(server_ids)
        for start in range(0, len(ids), 100):  # the API asks for at most 100 ids per call
            req = ecs.ListServersDetailsRequest(server_id=",".join(ids[start : start + 100]))
            resp = self._call("list_servers_details", partial(client.list_servers_details, req))
            for server in resp.servers or ():
                if server.status:  # an unknown id comes back with only id and fault
                    states[str(server.id)] = str(server.status)
        return states

    def _create_servers(self, session: AgencySession, r: ResourceRequest) -> CreatedResources:
        """``create_servers`` (prepaid: an unpaid order we pay with ``pay_orders``)."""
        from huaweicloudsdkecs.v2 import EcsClient
        from huaweicloudsdkecs.v2 import model as ecs

        os = "windows" if r.spec.endswith(".win") else "linux"
        image = r.image_ref or self._settings.ecs_image(r.region, os)
        if not image:
            raise CloudConfigError(f"no {os} image for {r.region}: set STOREFRONT_CLOUD_ECS_IMAGES")
        if not (r.vpc_id and r.subnet_id):
            raise CloudConfigError("a server needs vpc_id and subnet_id (ensure_network)")
        client = self._service_client(EcsClient, "ecs", session)
        extend = ecs.PrePaidServerExtendParam(
            charging_mode="prePaid" if r.prepaid else "postPaid",
            region_id=r.region,
            period_type=period_word(r) if r.prepaid else None,
            period_num=r.period_count if r.prepaid else None,
            is_auto_renew="false",
            is_auto_pay="false",  # we pay the order ourselves with pay_orders
        )
        server = ecs.PrePaidServer(
            image_ref=image,
            flavor_ref=r.spec.removesuffix(".linux").removesuffix(".win"),
            name=r.name,
            vpcid=r.vpc_id,
            nics=[ecs.PrePaidServerNic(subnet_id=r.subnet_id)],
            count=r.quantity,
            root_volume=ecs.PrePaidServerRootVolume(volumetype="SSD"),
            extendparam=extend,
            metadata={"storefront_client_token": r.client_token},
        )
        ecs_req = ecs.CreateServersRequest(
            x_client_token=r.client_token, body=ecs.CreateServersRequestBody(server=server)
        )
        ecs_resp = self._call("create_servers", lambda: client.create_servers(ecs_req))
        return CreatedResources(ecs_resp.order_id or None, tuple(ecs_resp.server_ids or ()))
