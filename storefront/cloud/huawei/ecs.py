"""Servers in a customer's project (ECS): zones and flavours, create with their image, login,
disks, EIP and zone, details, and start/stop/reboot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from storefront.cloud.huawei.base import HuaweiBase, period_word
from storefront.cloud.interface import (
    AgencySession,
    AttachedVolume,
    AvailabilityZone,
    CloudConfigError,
    CreatedResources,
    Flavor,
    PowerAction,
    ResourceRequest,
    ServerInfo,
)

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.

# ListFlavorsRequest.limit: "默认为1000" (its default and our page size); ``marker`` is the
# last flavour id of the page before (huaweicloudsdkecs model field docs).
FLAVOR_PAGE = 1000
_ZONE_ITEM = re.compile(r"\s*([^,()\s]+)\((\w+)\)\s*")


def zone_statuses(text: str | None) -> tuple[tuple[str, str], ...]:
    """``cond:operation:az`` (``az1(normal), az2(sellout)``) as ``((zone, status), ...)``."""
    return tuple(
        (m.group(1), m.group(2)) for m in map(_ZONE_ITEM.fullmatch, (text or "").split(",")) if m
    )


def _flavor(f: Any) -> Flavor:
    specs = f.os_extra_specs
    return Flavor(
        flavor_id=str(f.id),
        vcpus=int(f.vcpus or 0),
        ram_mb=int(f.ram or 0),
        performance_type=str(getattr(specs, "ecsperformancetype", None) or "normal"),
        status=str(getattr(specs, "condoperationstatus", None) or "normal"),
        zone_status=zone_statuses(getattr(specs, "condoperationaz", None)),
    )


def _server(s: Any) -> ServerInfo:
    addresses = [a for found in (s.addresses or {}).values() for a in found or ()]
    volumes = getattr(s, "os_extended_volumesvolumes_attached", None) or ()
    return ServerInfo(
        server_id=str(s.id),
        name=str(s.name or ""),
        status=str(s.status),
        availability_zone=getattr(s, "os_ext_a_zavailability_zone", None),
        flavor_id=s.flavor.id if s.flavor else None,
        image_id=s.image.id if s.image else None,
        key_name=s.key_name or None,
        private_ips=tuple(a.addr for a in addresses if a.os_ext_ip_stype == "fixed"),
        public_ips=tuple(a.addr for a in addresses if a.os_ext_ip_stype == "floating"),
        volumes=tuple(
            AttachedVolume(v.id, str(v.device or ""), boot=str(v.boot_index) == "0")
            for v in volumes
        ),
        created_at=datetime.fromisoformat(s.created.replace("Z", "+00:00")) if s.created else None,
        port_id=next(
            (a.os_ext_ip_sport_id for a in addresses if a.os_ext_ip_stype == "fixed"), None
        ),
    )


class ServerCalls(HuaweiBase):
    """Zones, flavours and servers: create, read, power."""

    def _ecs(self, session: AgencySession) -> Any:
        from huaweicloudsdkecs.v2 import EcsClient

        return self._service_client(EcsClient, "ecs", session)

    def list_availability_zones(self, *, session: AgencySession) -> tuple[AvailabilityZone, ...]:
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._ecs(session)
        req = ecs.ListServerAzInfoRequest()
        resp = self._call("list_server_az_info", partial(client.list_server_az_info, req))
        return tuple(
            AvailabilityZone(str(z.availability_zone_id), str(z.alias or z.availability_zone_id))
            for z in resp.availability_zones or ()
        )

    def list_flavors(
        self, *, session: AgencySession, availability_zone: str | None = None
    ) -> tuple[Flavor, ...]:
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._ecs(session)
        found: list[Flavor] = []
        marker: str | None = None
        while True:  # pages of FLAVOR_PAGE, each after the last id of the one before
            req = ecs.ListFlavorsRequest(
                availability_zone=availability_zone, limit=FLAVOR_PAGE, marker=marker
            )
            resp = self._call("list_flavors", partial(client.list_flavors, req))
            page = [_flavor(f) for f in resp.flavors or ()]
            found += page
            if len(page) < FLAVOR_PAGE:
                return tuple(found)
            marker = page[-1].flavor_id

    def show_servers(
        self, *, session: AgencySession, server_ids: Sequence[str]
    ) -> tuple[ServerInfo, ...]:
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._ecs(session)
        found: list[ServerInfo] = []
        ids = list(server_ids)
        for start in range(0, len(ids), 100):  # the API asks for at most 100 ids per call
            req = ecs.ListServersDetailsRequest(server_id=",".join(ids[start : start + 100]))
            resp = self._call("list_servers_details", partial(client.list_servers_details, req))
            found += [_server(s) for s in resp.servers or () if s.status]
        return tuple(found)

    def attach_volume(
        self, *, session: AgencySession, server_id: str, volume_id: str, device: str | None = None
    ) -> None:
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._ecs(session)
        option = ecs.AttachServerVolumeOption(volume_id=volume_id, device=device)
        req = ecs.AttachServerVolumeRequest(
            server_id=server_id, body=ecs.AttachServerVolumeRequestBody(volume_attachment=option)
        )
        self._call("attach_server_volume", partial(client.attach_server_volume, req))

    def change_power(
        self, *, session: AgencySession, server_ids: Sequence[str], action: PowerAction
    ) -> None:
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._ecs(session)
        servers = [ecs.ServerId(id=i) for i in server_ids]
        if action is PowerAction.START:
            start = ecs.BatchStartServersRequestBody(
                os_start=ecs.BatchStartServersOption(servers=servers)
            )
            call = partial(client.batch_start_servers, ecs.BatchStartServersRequest(body=start))
            self._call("batch_start_servers", call)
        elif action is PowerAction.STOP:
            stop = ecs.BatchStopServersRequestBody(
                os_stop=ecs.BatchStopServersOption(servers=servers, type="SOFT")
            )
            call = partial(client.batch_stop_servers, ecs.BatchStopServersRequest(body=stop))
            self._call("batch_stop_servers", call)
        else:
            reboot = ecs.BatchRebootServersRequestBody(
                reboot=ecs.BatchRebootSeversOption(servers=servers, type="SOFT")
            )
            call = partial(client.batch_reboot_servers, ecs.BatchRebootServersRequest(body=reboot))
            self._call("batch_reboot_servers", call)

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
        metadata = {"storefront_client_token": r.client_token}
        if r.key_name and r.prepaid:  # documented: a prepaid server with a key pair needs it
            metadata["op_svc_userid"] = session.customer_id  # *confirm*: the IAM user id
        server = ecs.PrePaidServer(
            image_ref=image,
            flavor_ref=r.spec.removesuffix(".linux").removesuffix(".win"),
            name=r.name,
            vpcid=r.vpc_id,
            nics=[ecs.PrePaidServerNic(subnet_id=r.subnet_id)],
            count=r.quantity,
            root_volume=ecs.PrePaidServerRootVolume(
                volumetype=r.system_disk_type or "SSD", size=r.system_disk_size
            ),
            data_volumes=[
                ecs.PrePaidServerDataVolume(volumetype=d.volume_type, size=d.size_gb)
                for d in r.data_disks
            ]
            or None,
            publicip=_publicip(ecs, r),
            availability_zone=r.availability_zone,
            key_name=r.key_name,
            admin_pass=r.admin_password,
            security_groups=[ecs.PrePaidServerSecurityGroup(id=g) for g in r.security_group_ids]
            or None,
            extendparam=extend,
            metadata=metadata,
        )
        ecs_req = ecs.CreateServersRequest(
            x_client_token=r.client_token, body=ecs.CreateServersRequestBody(server=server)
        )
        ecs_resp = self._call("create_servers", lambda: client.create_servers(ecs_req))
        return CreatedResources(ecs_resp.order_id or None, tuple(ecs_resp.server_ids or ()))


def _publicip(ecs: Any, r: ResourceRequest) -> Any:
    """An EIP made with the server and bound to it, billed like the server."""
    if r.public_ip is None:
        return None
    return ecs.PrePaidServerPublicip(
        eip=ecs.PrePaidServerEip(
            iptype=r.public_ip.ip_type,
            bandwidth=ecs.PrePaidServerEipBandwidth(
                size=r.public_ip.bandwidth_mbit, sharetype="PER"
            ),
            extendparam=ecs.PrePaidServerEipExtendParam(
                charging_mode="prePaid" if r.prepaid else "postPaid"
            ),
        ),
        delete_on_termination=True,
    )
