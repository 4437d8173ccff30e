"""VPCs, subnets and elastic IPs in a customer's project (VPC, EIP)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from storefront.cloud.huawei.base import PAGE, HuaweiBase, period_word
from storefront.cloud.interface import (
    AgencySession,
    CreatedResources,
    Network,
    PublicIpInfo,
    ResourceRequest,
    Subnet,
)

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.


class NetworkCalls(HuaweiBase):
    """The customer's network: found by our marker first, created if missing."""

    NETWORK_CIDR, SUBNET_CIDR, SUBNET_GATEWAY = "192.168.0.0/16", "192.168.0.0/24", "192.168.0.1"

    def _find_vpc(self, client: Any, description: str) -> str | None:
        """The id of the customer's VPC whose description is ``description`` (list API)."""
        from huaweicloudsdkvpc.v2 import model as vpc

        marker = None
        while True:
            req = vpc.ListVpcsRequest(limit=PAGE, marker=marker)
            vpcs = self._call("list_vpcs", partial(client.list_vpcs, req)).vpcs or []
            for one in vpcs:
                if one.description == description:
                    return str(one.id)
            if len(vpcs) < PAGE:
                return None
            marker = vpcs[-1].id

    def _find_publicip(self, client: Any, alias: str) -> tuple[str, str | None] | None:
        """The id (and prepaid order id) of the customer's EIP whose alias is ``alias``."""
        from huaweicloudsdkeip.v2 import model as eip

        marker = None
        while True:
            req = eip.ListPublicipsRequest(limit=PAGE, marker=marker)
            ips = self._call("list_publicips", partial(client.list_publicips, req)).publicips
            ips = ips or []
            for one in ips:
                if one.alias == alias:
                    profile = one.profile
                    return str(one.id), (profile.order_id if profile else None) or None
            if len(ips) < PAGE:
                return None
            marker = ips[-1].id

    def ensure_network(self, *, session: AgencySession, marker: str, name: str) -> Network:
        from huaweicloudsdkvpc.v2 import VpcClient
        from huaweicloudsdkvpc.v2 import model as vpc

        client = self._service_client(VpcClient, "vpc", session)
        description = f"sf:{marker}"
        vpc_id = self._find_vpc(client, description)
        if vpc_id is None:
            made = self._call(
                "create_vpc",
                partial(
                    client.create_vpc,
                    vpc.CreateVpcRequest(
                        body=vpc.CreateVpcRequestBody(
                            vpc=vpc.CreateVpcOption(
                                name=name, cidr=self.NETWORK_CIDR, description=description
                            )
                        )
                    ),
                ),
                idempotent=False,
            )
            vpc_id = str(made.vpc.id)
        subnets = (
            self._call(
                "list_subnets",
                partial(client.list_subnets, vpc.ListSubnetsRequest(vpc_id=vpc_id, limit=PAGE)),
            ).subnets
            or []
        )
        subnet = next((s.id for s in subnets if s.description == description), None)
        if subnet is None:
            made_subnet = self._call(
                "create_subnet",
                partial(
                    client.create_subnet,
                    vpc.CreateSubnetRequest(
                        body=vpc.CreateSubnetRequestBody(
                            subnet=vpc.CreateSubnetOption(
                                name=name,
                                description=description,
                                cidr=self.SUBNET_CIDR,
                                gateway_ip=self.SUBNET_GATEWAY,
                                vpc_id=vpc_id,
                            )
                        )
                    ),
                ),
                idempotent=False,
            )
            subnet = made_subnet.subnet.id
        return Network(vpc_id=vpc_id, subnet_id=str(subnet))

    def list_subnets(self, *, session: AgencySession) -> tuple[Subnet, ...]:
        from huaweicloudsdkvpc.v2 import VpcClient
        from huaweicloudsdkvpc.v2 import model as vpc

        client = self._service_client(VpcClient, "vpc", session)
        found: list[Subnet] = []
        marker = None
        while True:
            req = vpc.ListSubnetsRequest(limit=PAGE, marker=marker)
            page = self._call("list_subnets", partial(client.list_subnets, req)).subnets or []
            found.extend(
                Subnet(
                    subnet_id=str(n.id),
                    vpc_id=str(n.vpc_id),
                    name=str(n.name or ""),
                    cidr=str(n.cidr or ""),
                )
                for n in page
            )
            if len(page) < PAGE:
                return tuple(found)
            marker = page[-1].id

    def ensure_security_group(
        self, *, session: AgencySession, vpc_id: str, name: str, tcp_ports: Sequence[int] = ()
    ) -> str:
        from huaweicloudsdkvpc.v2 import VpcClient
        from huaweicloudsdkvpc.v2 import model as vpc

        client = self._service_client(VpcClient, "vpc", session)
        listed = self._call(
            "list_security_groups",
            partial(client.list_security_groups, vpc.ListSecurityGroupsRequest(vpc_id=vpc_id)),
        ).security_groups
        found = next((g.id for g in listed or () if g.name == name), None)
        if found is not None:
            return str(found)
        option = vpc.CreateSecurityGroupOption(name=name, vpc_id=vpc_id)
        made = self._call(  # not idempotent: a retry lists first
            "create_security_group",
            partial(
                client.create_security_group,
                vpc.CreateSecurityGroupRequest(
                    body=vpc.CreateSecurityGroupRequestBody(security_group=option)
                ),
            ),
            idempotent=False,
        ).security_group
        for port in tcp_ports:
            rule = vpc.CreateSecurityGroupRuleOption(
                security_group_id=made.id,
                direction="ingress",
                ethertype="IPv4",
                protocol="tcp",
                port_range_min=port,
                port_range_max=port,
                remote_ip_prefix="0.0.0.0/0",
                description=f"storefront: tcp {port}",
            )
            self._call(
                "create_security_group_rule",
                partial(
                    client.create_security_group_rule,
                    vpc.CreateSecurityGroupRuleRequest(
                        body=vpc.CreateSecurityGroupRuleRequestBody(security_group_rule=rule)
                    ),
                ),
                idempotent=False,
            )
        return str(made.id)

    def bind_public_ip(self, *, session: AgencySession, eip_id: str, port_id: str | None) -> None:
        from huaweicloudsdkeip.v2 import EipClient
        from huaweicloudsdkeip.v2 import model as eip

        client = self._service_client(EipClient, "vpc", session)
        req = eip.UpdatePublicipRequest(
            publicip_id=eip_id,
            body=eip.UpdatePublicipsRequestBody(publicip=eip.UpdatePublicipOption(port_id=port_id)),
        )
        self._call("update_publicip", partial(client.update_publicip, req))

    def list_public_ips(self, *, session: AgencySession) -> tuple[PublicIpInfo, ...]:
        from huaweicloudsdkeip.v2 import EipClient
        from huaweicloudsdkeip.v2 import model as eip

        client = self._service_client(EipClient, "vpc", session)
        found: list[PublicIpInfo] = []
        marker = None
        while True:
            req = eip.ListPublicipsRequest(limit=PAGE, marker=marker)
            ips = self._call("list_publicips", partial(client.list_publicips, req)).publicips
            found += [
                PublicIpInfo(
                    eip_id=str(one.id),
                    address=str(one.public_ip_address or ""),
                    status=str(one.status),
                    bandwidth_mbit=one.bandwidth_size,
                    port_id=one.port_id or None,
                    private_ip=one.private_ip_address or None,
                )
                for one in ips or ()
            ]
            if len(ips or ()) < PAGE:
                return tuple(found)
            marker = ips[-1].id

    def _create_vpcs(self, session: AgencySession, r: ResourceRequest) -> CreatedResources:
        """One VPC per call (free); a retry first looks for the marker in the description."""
        from huaweicloudsdkvpc.v2 import VpcClient
        from huaweicloudsdkvpc.v2 import model as vpc

        client = self._service_client(VpcClient, "vpc", session)
        ids = []
        for i in range(r.quantity):  # the API creates one VPC per call; the VPC is free
            token = r.client_token if i == 0 else f"{r.client_token}-{i}"
            existing = self._find_vpc(client, f"sf:{token}")
            if existing is not None:  # made by an earlier try whose answer was lost
                ids.append(existing)
                continue
            vpc_req = vpc.CreateVpcRequest(
                body=vpc.CreateVpcRequestBody(
                    vpc=vpc.CreateVpcOption(
                        name=r.name, cidr="192.168.0.0/16", description=f"sf:{token}"
                    )
                )
            )
            vpc_resp = self._call(  # no client token: never re-sent blindly
                "create_vpc", partial(client.create_vpc, vpc_req), idempotent=False
            )
            ids.append(vpc_resp.vpc.id)
        return CreatedResources(None, tuple(ids))

    def _create_publicips(self, session: AgencySession, r: ResourceRequest) -> CreatedResources:
        """One prepaid EIP per call; a retry first looks for the marker in the alias."""
        from huaweicloudsdkeip.v2 import EipClient
        from huaweicloudsdkeip.v2 import model as eip

        client = self._service_client(EipClient, "vpc", session)
        order_ids, eip_ids = [], []
        for i in range(r.quantity):  # one address per call
            token = r.client_token if i == 0 else f"{r.client_token}-{i}"
            found = self._find_publicip(client, f"sf:{token}")
            if found is not None:  # made by an earlier try whose answer was lost
                eip_id, eip_order = found
                eip_ids.append(eip_id)
                if eip_order:
                    order_ids.append(eip_order)
                continue
            eip_req = eip.CreatePrePaidPublicipRequest(
                body=eip.CreatePrePaidPublicipRequestBody(
                    publicip=eip.CreatePrePaidPublicipOption(type=r.spec, alias=f"sf:{token}"),
                    bandwidth=eip.CreatePublicipBandwidthOption(
                        name=r.name, share_type="PER", size=r.size or 1, charge_mode="bandwidth"
                    ),
                    extend_param=eip.CreatePrePaidPublicipExtendParamOption(
                        charge_mode="prePaid" if r.prepaid else "postPaid",
                        period_type=period_word(r) if r.prepaid else None,
                        period_num=r.period_count if r.prepaid else None,
                        is_auto_renew=False,
                        is_auto_pay=False,
                    ),
                )
            )
            eip_resp = self._call(
                "create_prepaid_publicip",
                partial(client.create_pre_paid_publicip, eip_req),
                idempotent=False,  # no client token: the next try looks the alias up first
            )
            if eip_resp.order_id:
                order_ids.append(eip_resp.order_id)
            eip_ids.append(eip_resp.publicip_id or eip_resp.publicip.id)
        if len(order_ids) > 1:  # pay them one by one: the caller records a comma list
            return CreatedResources(",".join(order_ids), tuple(eip_ids))
        return CreatedResources(order_ids[0] if order_ids else None, tuple(eip_ids))
