"""Conformance from the SDK, not from us: every provider call the product makes, made through
the real client against the sandbox, answers JSON that the official SDK's response model
documents (storefront/cloud/README.md, "Conformance").

One case per call: the client call that drives it, the SDK request it builds, the SDK response
model its answer must fit, and the fields the product reads from it. The answer is the raw
JSON the client received (a ``requests.Session.send`` hook), checked key by key against the
model's ``attribute_map`` (recursively through ``openapi_types``), and every enumerated field
against the values its doc lists. Only the real-name calls are left out (another area).
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
import requests
from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as bss
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkeip.v2 import EipClient
from huaweicloudsdkevs.v2 import EvsClient
from huaweicloudsdkiam.v3 import IamClient
from huaweicloudsdkims.v2 import ImsClient
from huaweicloudsdkkps.v3 import KpsClient
from huaweicloudsdkosm.v2 import OsmClient
from huaweicloudsdkvpc.v2 import VpcClient

from storefront.cloud import build_provider, demo
from storefront.cloud.interface import (
    CaseAction,
    ChargeMode,
    CloudProvider,
    FreezeMode,
    IdentityKind,
    Network,
    PeriodType,
    PowerAction,
    RatingItem,
    ResourceKind,
    ResourceRequest,
    SizeUnit,
)
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for
from tests.cloud.sdk_conformance import WireLog, documented_values, missing, problems

REGION = "cn-north-4"


class World:
    """A customer with funds, an agency session, a network, an on-demand server and a paid
    prepaid server; built on first use and shared by the cases of this module."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.provider: CloudProvider = build_provider(settings_for(sandbox.url))
        self.distributor: CloudProvider = build_provider(
            settings_for(
                sandbox.url,
                STOREFRONT_CLOUD_AK=demo.DEMO_DISTRIBUTOR_AK,
                STOREFRONT_CLOUD_SK=demo.DEMO_DISTRIBUTOR_SK,
                STOREFRONT_CLOUD_DOMAIN_ID=demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
            )
        )

    @cached_property
    def customer(self) -> str:
        made = self.provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, account_name="sf-" + uuid.uuid4().hex[:12]
        )
        self.provider.fund_customer(customer_id=made.customer_id, amount=Decimal("900"))
        return made.customer_id

    @cached_property
    def session(self) -> Any:
        return self.provider.agency_session(customer_id=self.customer, region=REGION)

    @cached_property
    def network(self) -> Network:
        return self.provider.ensure_network(session=self.session, marker="conf", name="conf")

    def server(self, *, prepaid: bool) -> Any:
        return self.provider.create_resources(
            session=self.session,
            request=ResourceRequest(
                kind=ResourceKind.ECS, region=REGION, spec="s6.small.1", name="conf",
                client_token=uuid.uuid4().hex, prepaid=prepaid,
                period=PeriodType.MONTH if prepaid else None, period_count=1 if prepaid else None,
                vpc_id=self.network.vpc_id, subnet_id=self.network.subnet_id,
            ),
        )

    @cached_property
    def on_demand_server(self) -> str:
        return str(self.server(prepaid=False).resource_ids[0])

    @cached_property
    def paid(self) -> Any:
        made = self.server(prepaid=True)
        self.provider.pay_order(session=self.session, order_id=made.order_id)
        return made

    @cached_property
    def paid_order(self) -> str:
        return str(self.paid.order_id)

    @cached_property
    def reseller(self) -> str:
        page = self.distributor.list_indirect_partners(limit=10)
        return str(page.items[0].indirect_partner_id)


def _rating_items() -> list[RatingItem]:
    return [
        RatingItem(key="vm", service_type="hws.service.type.ec2",
                   resource_type="hws.resource.type.vm", spec="s6.small.1.linux", region=REGION),
        RatingItem(key="disk", service_type="hws.service.type.ebs",
                   resource_type="hws.resource.type.volume", spec="SSD", region=REGION,
                   size=40, size_unit=SizeUnit.GB),
    ]


def _volume(w: World) -> None:
    w.provider.create_resources(
        session=w.session,
        request=ResourceRequest(
            kind=ResourceKind.EVS, region=REGION, spec="SSD", name="conf", size=20,
            client_token=uuid.uuid4().hex, prepaid=False,
        ),
    )


def _publicip(w: World) -> None:
    w.provider.create_resources(
        session=w.session,
        request=ResourceRequest(
            kind=ResourceKind.EIP, region=REGION, spec="5_bgp", name="conf", size=2,
            client_token=uuid.uuid4().hex, prepaid=True, period=PeriodType.MONTH,
            period_count=1,
        ),
    )


def _power(w: World, action: PowerAction) -> None:
    """Bring the paid server to where ``action`` applies, then send ``action`` last."""
    server = str(w.paid.resource_ids[0])
    [now] = w.provider.show_servers(session=w.session, server_ids=[server])
    wanted = "SHUTOFF" if action is PowerAction.START else "ACTIVE"
    if now.status != wanted:
        undo = PowerAction.START if wanted == "ACTIVE" else PowerAction.STOP
        w.provider.change_power(session=w.session, server_ids=[server], action=undo)
    w.provider.change_power(session=w.session, server_ids=[server], action=action)


def _case(w: World) -> str:
    """A provider service ticket (#21) the provider's engineer has answered."""
    case_id = w.provider.create_case(description="conformance")
    requests.post(f"{w.sandbox.url}/_sandbox/osm/cases/{case_id}/reply",
                  json={"content": "answer"}, timeout=5).raise_for_status()
    return case_id


def _key_pair(w: World, *, delete: bool = False) -> None:
    name = "conf-" + uuid.uuid4().hex[:8]
    w.provider.create_key_pair(session=w.session, name=name)
    w.provider.list_key_pairs(session=w.session)
    if delete:
        w.provider.delete_key_pair(session=w.session, name=name)


def _attach(w: World) -> None:
    """A new disk in the paid server's zone, attached to it."""
    [server] = w.provider.show_servers(session=w.session, server_ids=w.paid.resource_ids)
    disk = w.provider.create_resources(
        session=w.session,
        request=ResourceRequest(
            kind=ResourceKind.EVS, region=REGION, spec="SSD", name="conf", size=10,
            client_token=uuid.uuid4().hex, prepaid=False,
            availability_zone=server.availability_zone,
        ),
    ).resource_ids[0]
    w.provider.attach_volume(session=w.session, server_id=server.server_id, volume_id=disk)


def _bind(w: World) -> None:
    """A new on-demand EIP bound to the paid server, then unbound (the last call)."""
    [server] = w.provider.show_servers(session=w.session, server_ids=w.paid.resource_ids)
    ip = w.provider.create_resources(
        session=w.session,
        request=ResourceRequest(
            kind=ResourceKind.EIP, region=REGION, spec="5_bgp", name="conf", size=1,
            client_token=uuid.uuid4().hex, prepaid=False,
        ),
    ).resource_ids[0]
    w.provider.bind_public_ip(session=w.session, eip_id=ip, port_id=server.port_id)
    w.provider.bind_public_ip(session=w.session, eip_id=ip, port_id=None)


def _security_group(w: World, *, fresh: bool = False) -> str:
    name = "conf-" + uuid.uuid4().hex[:8] if fresh else "conf-sg"
    return w.provider.ensure_security_group(
        session=w.session, vpc_id=w.network.vpc_id, name=name, tcp_ports=(22,)
    )


def _kept(w: World) -> str:
    """A paid monthly server of its own (renewal and unsubscribe cases change it)."""
    w.provider.fund_customer(customer_id=w.customer, amount=Decimal("200"))
    made = w.server(prepaid=True)
    w.provider.pay_order(session=w.session, order_id=made.order_id)
    return str(made.resource_ids[0])


def _coupon(w: World) -> None:
    from storefront.cloud.sandbox.coupon_models import SANDBOX_QUOTA_ID

    issued = w.provider.create_partner_coupons(
        quota_id=SANDBOX_QUOTA_ID, customer_ids=[w.customer], face_value=Decimal("5"),
        valid_until=datetime.now(UTC) + timedelta(days=30),
    )
    w.provider.list_issued_partner_coupons(customer_id=w.customer)
    w.provider.reclaim_partner_coupons(coupon_id=issued[0].coupon_id)


@dataclass(frozen=True)
class Call:
    """One provider call: the SDK client and method, how our client makes it, and the fields
    the product reads from its answer. Path, request and response models come from the SDK."""

    client: type  # the SDK client class
    sdk: str  # its method (client.<sdk>)
    drive: Callable[[World], Any]
    reads: tuple[str, ...] = ()

    @property
    def http_info(self) -> dict[str, Any]:
        request = getattr(self.package, self.sdk_name("request_type"))()
        info: dict[str, Any] = getattr(self.client, f"_{self.sdk}_http_info")(request)
        return info

    @property
    def package(self) -> Any:
        return importlib.import_module(self.client.__module__.rsplit(".", 1)[0] + ".model")

    def sdk_name(self, kind: str) -> str:
        camel = "".join(part.title() for part in self.sdk.split("_"))
        return camel + ("Request" if kind == "request_type" else "Response")

    @property
    def request(self) -> type:
        return getattr(self.package, self.http_info["request_type"])  # type: ignore[no-any-return]

    @property
    def response(self) -> type:
        return getattr(self.package, self.http_info["response_type"])  # type: ignore[no-any-return]

    @property
    def method(self) -> str:
        return str(self.http_info["method"])

    @property
    def path(self) -> re.Pattern[str]:
        """The SDK's resource path (``{order_id}``: any segment) after any endpoint prefix."""
        template = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(self.http_info["resource_path"]))
        return re.compile(".*" + template)



def _network_twice(w: World) -> Any:
    """The second ``ensure_network`` lists a VPC and subnet that exist, whichever case ran first
    (under pytest-xdist another worker may have run the case that made them)."""
    w.provider.ensure_network(session=w.session, marker="conf", name="conf")
    return w.provider.ensure_network(session=w.session, marker="conf", name="conf")

CALLS: tuple[Call, ...] = (
    Call(BssClient, "check_user_identity",
         lambda w: w.provider.check_user_identity(kind=IdentityKind.NAME, value="sf-conf-x"),
         ("check_result",)),
    Call(BssClient, "send_verification_message_code",
         lambda w: w.provider.send_verification_code(mobile=f"13{uuid.uuid4().int % 10**9:09d}")),
    Call(BssClient, "create_sub_customer", lambda w: w.customer, ("domain_id", "domain_name")),
    Call(BssClient, "list_sub_customers",
         lambda w: w.provider.list_sub_customers(customer_id=w.customer),
         ("count", "customer_infos[].customer_id", "customer_infos[].account_name")),
    Call(BssClient, "list_service_types", lambda w: w.provider.list_service_types(),
         ("total_count", "service_types[].service_type_code", "service_types[].service_type_name")),
    Call(BssClient, "list_resource_specs",
         lambda w: w.provider.list_resource_specs(
             service_type="hws.service.type.ec2", resource_type="hws.resource.type.vm",
             region=REGION, charge_mode=ChargeMode.PERIOD),
         ("cloud_service_basics[].cloud_service_type", "cloud_service_basics[].resource_type",
          "cloud_service_basics[].resource_spec", "cloud_service_basics[].region_code",
          "cloud_service_basics[].charge_mode")),
    Call(BssClient, "list_on_demand_resource_ratings",
         lambda w: w.provider.rate_on_demand(items=_rating_items()),
         ("currency", "amount", "official_website_amount", "product_rating_results[].id",
          "product_rating_results[].amount", "product_rating_results[].official_website_amount")),
    Call(BssClient, "list_rate_on_period_detail",
         lambda w: w.provider.rate_period(items=_rating_items(), period=PeriodType.MONTH),
         ("currency", "official_website_rating_result.official_website_amount",
          "official_website_rating_result.product_rating_results[].id",
          "official_website_rating_result.product_rating_results[].official_website_amount")),
    Call(BssClient, "update_customer_account_amount",
         lambda w: w.provider.fund_customer(customer_id=w.customer, amount=Decimal("1")),
         ("transfer_id",)),
    Call(BssClient, "reclaim_to_partner_account",
         lambda w: w.provider.reclaim_customer_funds(customer_id=w.customer, amount=Decimal("1"))),
    Call(BssClient, "list_partner_adjust_records",
         lambda w: w.provider.list_customer_fundings(
             customer_id=w.customer, since=datetime.now(UTC) - timedelta(days=1)),
         ("records[].trans_id", "records[].customer_id", "records[].operation_type",
          "records[].amount", "records[].operation_time")),
    Call(IamClient, "create_temporary_access_key_by_agency",
         lambda w: w.provider.agency_session(customer_id=w.customer, region=REGION),
         ("credential.access", "credential.secret", "credential.securitytoken",
          "credential.expires_at")),
    Call(IamClient, "keystone_list_auth_projects",
         lambda w: w.provider.agency_session(customer_id=w.customer, region=REGION),
         ("projects[].id", "projects[].name")),
    Call(EcsClient, "create_servers", lambda w: w.server(prepaid=True),
         ("order_id", "serverIds")),
    Call(EcsClient, "list_servers_details",
         lambda w: w.provider.server_power_states(
             session=w.session, server_ids=[w.on_demand_server]),
         ("servers[].id", "servers[].status")),
    Call(EvsClient, "create_volume", _volume, ("volume_ids",)),
    Call(VpcClient, "list_vpcs", _network_twice, ("vpcs[].id", "vpcs[].description")),
    Call(VpcClient, "create_vpc",
         lambda w: w.provider.ensure_network(session=w.session, marker=uuid.uuid4().hex, name="c"),
         ("vpc.id",)),
    Call(VpcClient, "list_subnets", _network_twice, ("subnets[].id", "subnets[].description")),
    Call(VpcClient, "create_subnet",
         lambda w: w.provider.ensure_network(session=w.session, marker=uuid.uuid4().hex, name="c"),
         ("subnet.id",)),
    Call(EipClient, "create_pre_paid_publicip", _publicip,
         ("order_id", "publicip_id")),
    Call(EipClient, "list_publicips", _publicip, ()),
    Call(BssClient, "pay_orders", lambda w: w.paid_order),
    Call(BssClient, "list_customer_orders",
         lambda w: w.provider.list_customer_orders(customer_id=w.customer, order_id=w.paid_order),
         ("order_infos[].order_id", "order_infos[].customer_id", "order_infos[].status",
          "order_infos[].amount_after_discount", "order_infos[].currency")),
    Call(BssClient, "show_customer_order_details",
         lambda w: w.provider.show_customer_order(order_id=w.paid_order),
         ("order_info.order_id", "order_info.status", "order_info.amount_after_discount")),
    Call(BssClient, "list_pay_per_use_customer_resources",
         lambda w: w.provider.list_prepaid_resources(customer_id=w.customer,
                                                     order_id=w.paid_order),
         ("total_count", "data[].resource_id", "data[].region_code", "data[].service_type_code",
          "data[].resource_type_code", "data[].resource_spec_code", "data[].status",
          "data[].expire_time")),
    Call(BssClient, "list_customer_on_demand_resources",
         lambda w: w.provider.list_on_demand_resources(
             customer_id=w.customer, resource_ids=[w.on_demand_server]),
         ("total_count", "resources[].resource_id", "resources[].region_code",
          "resources[].service_type_code", "resources[].resource_type_code",
          "resources[].resource_spec_code", "resources[].status")),
    Call(BssClient, "list_sub_customer_bill_detail",
         lambda w: (w.on_demand_server, w.sandbox._control(
             "POST", "/_sandbox/resources/advance", {"hours": 2}),
             w.provider.list_usage(customer_id=w.customer,
                                   bill_cycle=datetime.now(UTC).strftime("%Y-%m"))),
         ("total_count", "fee_records[].id", "fee_records[].resource_id",
          "fee_records[].usage_amount", "fee_records[].official_amount",
          "fee_records[].consume_time")),
    Call(BssClient, "create_partner_coupons",
         _coupon, ("coupon_infos[].id", "coupon_infos[].coupon_id")),
    Call(BssClient, "list_issued_partner_coupons",
         _coupon, ("total_count", "user_coupons[].coupon_id", "user_coupons[].customer_id",
                   "user_coupons[].face_value", "user_coupons[].status")),
    Call(BssClient, "reclaim_partner_coupons", _coupon),
    Call(BssClient, "list_indirect_partners",
         lambda w: w.reseller,
         ("count", "indirect_partners[].indirect_partner_id", "indirect_partners[].account_name")),
    Call(BssClient, "update_indirect_partner_account",
         lambda w: w.distributor.allocate_to_indirect_partner(
             indirect_partner_id=w.reseller, amount=Decimal("1")),
         ("transfer_id",)),
    Call(BssClient, "reclaim_indirect_partner_account",
         lambda w: (w.distributor.allocate_to_indirect_partner(
             indirect_partner_id=w.reseller, amount=Decimal("1")),
             w.distributor.reclaim_from_indirect_partner(
             indirect_partner_id=w.reseller, amount=Decimal("1"))),
         ("trans_id",)),
    Call(IamClient, "create_login_token",
         lambda w: w.provider.console_federation_url(
             customer_id=w.customer, session_user="conf-user", service="https://console.example",
             idp_login_url="https://store.example/saml/login")),
    Call(BssClient, "list_partner_balances",
         lambda w: w.provider.list_partner_balances(),
         ("account_balances[].account_type", "account_balances[].amount",
          "account_balances[].currency")),
    Call(ImsClient, "list_images", lambda w: w.provider.list_images(session=w.session),
         ("images[].id", "images[].name", "images[].__os_type", "images[].__os_version",
          "images[].__platform", "images[].min_disk", "images[].min_ram")),
    Call(KpsClient, "create_keypair", _key_pair,
         ("keypair.name", "keypair.fingerprint", "keypair.public_key")),
    Call(KpsClient, "list_keypairs", _key_pair,
         ("keypairs[].keypair.name", "keypairs[].keypair.fingerprint")),
    Call(KpsClient, "delete_keypair", lambda w: _key_pair(w, delete=True)),
    Call(EcsClient, "list_server_az_info",
         lambda w: w.provider.list_availability_zones(session=w.session),
         ("availability_zones[].availability_zone_id", "availability_zones[].alias")),
    Call(EcsClient, "list_flavors", lambda w: w.provider.list_flavors(session=w.session),
         ("flavors[].id", "flavors[].vcpus", "flavors[].ram",
          "flavors[].os_extra_specs.cond:operation:status")),
    Call(EcsClient, "batch_stop_servers", lambda w: _power(w, PowerAction.STOP), ("job_id",)),
    Call(EcsClient, "batch_start_servers", lambda w: _power(w, PowerAction.START), ("job_id",)),
    Call(EcsClient, "batch_reboot_servers", lambda w: _power(w, PowerAction.REBOOT),
         ("job_id",)),
    Call(VpcClient, "list_security_groups",
         lambda w: (_security_group(w), _security_group(w)),  # the second lists one
         ("security_groups[].id", "security_groups[].name")),
    Call(VpcClient, "create_security_group", lambda w: _security_group(w, fresh=True),
         ("security_group.id",)),
    Call(VpcClient, "create_security_group_rule", lambda w: _security_group(w, fresh=True),
         ("security_group_rule.id",)),
    Call(EcsClient, "attach_server_volume", lambda w: _attach(w), ("job_id",)),
    Call(EipClient, "update_publicip", lambda w: _bind(w), ("publicip.id", "publicip.status")),
    Call(BssClient, "list_renew_rate_on_period",
         lambda w: w.provider.renewal_price(
             session=w.session, resource_id=_kept(w), period=PeriodType.MONTH, count=1),
         ("renew_inquiry_results[].resource_id", "renew_inquiry_results[].amount",
          "official_website_rating_result.official_website_amount")),
    Call(BssClient, "renewal_resources",
         lambda w: w.provider.renew(
             session=w.session, resource_id=_kept(w), period=PeriodType.MONTH, count=1),
         ("order_ids",)),
    Call(BssClient, "cancel_auto_renewal_resources",
         lambda w: w.provider.cancel_auto_renew(session=w.session, resource_id=_kept(w))),
    Call(BssClient, "update_period_to_on_demand",
         lambda w: w.provider.change_to_on_demand(session=w.session, resource_id=_kept(w)),
         ("error_details",)),
    Call(BssClient, "cancel_resources_subscription",
         lambda w: w.provider.unsubscribe(session=w.session, resource_id=_kept(w)),
         ("order_ids",)),
    Call(BssClient, "show_refund_order_details",
         lambda w: w.provider.unsubscribe(session=w.session, resource_id=_kept(w)),
         ("refund_infos[].amount", "refund_infos[].base_order_id")),
    Call(EvsClient, "list_volumes",
         lambda w: (_volume(w), w.provider.list_volumes(session=w.session)),
         ("volumes[].id", "volumes[].status", "volumes[].size", "volumes[].volume_type")),
    Call(OsmClient, "create_cases", _case, ("incident_id",)),
    Call(OsmClient, "show_case_detail", lambda w: w.provider.show_case(case_id=_case(w)),
         ("incident_detail_info.status", "incident_detail_info.message_list[].content",
          "incident_detail_info.message_list[].type",
          "incident_detail_info.message_list[].message_id")),
    Call(OsmClient, "list_cases", lambda w: (_case(w), w.provider.list_cases(limit=50)),
         ("incident_info_list[].incident_id", "incident_info_list[].status")),
    Call(OsmClient, "list_messages",
         lambda w: w.provider.list_case_messages(case_id=_case(w)),
         ("count", "message_list[].content", "message_list[].type")),
    Call(OsmClient, "create_messages",
         lambda w: w.provider.add_case_message(case_id=_case(w), content="more")),
    Call(OsmClient, "update_cases",
         lambda w: w.provider.end_case(case_id=_case(w), action=CaseAction.CLOSE)),
)


@pytest.fixture(scope="module")
def world(sandbox: RunningSandbox) -> World:
    return World(sandbox)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[WireLog]:
    log = WireLog()
    monkeypatch.setattr(requests.Session, "send", log.hook(requests.Session.send))
    yield log


@pytest.mark.parametrize("call", CALLS, ids=[c.sdk for c in CALLS])
def test_the_sandbox_answers_what_the_sdk_model_documents(
    call: Call, world: World, wire: WireLog
) -> None:
    call.drive(world)
    answer = wire.last(call.method, call.path)
    assert problems(call.response, answer.body) == []
    assert missing(answer.body, call.reads) == []


def test_every_sdk_call_of_the_client_is_in_the_table() -> None:
    """A new SDK call in the client without a conformance case fails here."""
    from storefront.cloud import huawei

    package = Path(huawei.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    names = set(re.findall(r"\b(?:_bss|bss|client|partner_iam|customer_iam)\.(\w+)\b", source))
    clients = (BssClient, IamClient, EcsClient, EvsClient, VpcClient, EipClient, ImsClient,
               KpsClient, OsmClient)
    made = {n for n in names if any(callable(getattr(c, n, None)) for c in clients)}
    realname = {n for n in made if "realname" in n}  # the real-name area's own suite
    assert len(made) > 30
    assert made - realname - {c.sdk for c in CALLS} == set()
    for call in CALLS:
        assert call.request.__name__.endswith("Request")
        assert call.response.__name__.endswith("Response")


# --- the checker itself: it must be able to fail ---------------------------------------------


def test_the_checker_reads_enumerations_from_the_sdk_docs() -> None:
    assert documented_values(bss.CustomerOrderV2, "status") == {1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13}
    assert documented_values(bss.OrderInstanceV2, "status") == {2, 3, 4, 5}
    assert documented_values(bss.CustomerOnDemandResource, "status") == {1, 2, 3, 4, 5, 6}
    assert documented_values(bss.CustomerOrderV2, "order_id") is None


def test_the_checker_fails_on_an_unknown_field_a_bad_code_and_a_missing_read() -> None:
    answer = {"order_infos": [{"order_id": "CS1", "status": 7, "paid": True}], "total_count": 1}
    found = problems(bss.ListCustomerOrdersResponse, answer)
    assert "order_infos[0].paid: not a field of CustomerOrderV2" in found
    assert any(p.startswith("order_infos[0].status: 7 is not one of") for p in found)
    assert missing(answer, ("order_infos[].currency", "order_infos[].order_id")) == [
        "order_infos[].currency"
    ]
    assert missing({"order_infos": []}, ("order_infos[].order_id",)) == ["order_infos[].order_id"]


def test_the_freeze_call_has_no_sdk_model_and_answers_the_api_reference_fields(
    world: World, wire: WireLog
) -> None:
    """FreezeSubCustomers is not in the SDK (raw.py signs it): its answer holds only the API
    reference's ``error_details`` (each ``customer_id``, ``error_code``, ``error_msg``)."""
    world.provider.freeze_customer(customer_id=world.customer, reason="c", mode=FreezeMode.ACCOUNT)
    world.provider.unfreeze_customer(
        customer_id=world.customer, reason="c", mode=FreezeMode.ACCOUNT
    )
    for action in ("freeze", "unfreeze"):
        answer = wire.last("POST", re.compile(f"/v2/partners/sub-customers/{action}"))
        assert set(answer.body) <= {"error_details"}
        for detail in answer.body.get("error_details") or []:
            assert set(detail) <= {"customer_id", "error_code", "error_msg"}
