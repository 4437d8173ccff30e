"""Every provider call through the real SDK client against the running sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from storefront.cloud import (
    ChargeMode,
    IdentityKind,
    PeriodType,
    RatingItem,
    SizeUnit,
    UpstreamRejected,
    VerifiedStatus,
)
from storefront.cloud.huawei import HuaweiCloudProvider
from storefront.cloud.interface import CloudProvider
from storefront.cloud.sandbox import seed
from storefront.cloud.sandbox.testing import RunningSandbox

EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
EBS, VOLUME = "hws.service.type.ebs", "hws.resource.type.volume"
VPC, IP, BW = "hws.service.type.vpc", "hws.resource.type.ip", "hws.resource.type.bandwidth"


def vm(spec: str, region: str = "cn-north-4", key: str = "vm", quantity: int = 1) -> RatingItem:
    return RatingItem(
        key=key, service_type=EC2, resource_type=VM, spec=spec, region=region, quantity=quantity
    )


def disk(spec: str = "SSD", size: int = 40, key: str = "disk") -> RatingItem:
    return RatingItem(
        key=key,
        service_type=EBS,
        resource_type=VOLUME,
        spec=spec,
        region="cn-north-4",
        size=size,
        size_unit=SizeUnit.GB,
    )


def unique_name() -> str:
    return "sf-" + uuid.uuid4().hex[:12]


def test_provider_satisfies_protocol(provider: CloudProvider) -> None:
    assert isinstance(provider, CloudProvider)
    assert isinstance(provider, HuaweiCloudProvider)
    assert provider.settings.bss_endpoint.startswith("http://127.0.0.1:")


def test_check_user_identity(provider: CloudProvider) -> None:
    assert not provider.check_user_identity(kind=IdentityKind.NAME, value=seed.TAKEN_NAME).available
    assert provider.check_user_identity(kind=IdentityKind.NAME, value=unique_name()).available
    assert not provider.check_user_identity(
        kind=IdentityKind.EMAIL, value=seed.TAKEN_EMAIL.upper()
    ).available
    assert provider.check_user_identity(kind=IdentityKind.EMAIL, value="new@example.com").available
    mobile = provider.check_user_identity(kind=IdentityKind.MOBILE, value="0086-13911112222")
    assert mobile.available and mobile.mobile_remaining == 5


def test_check_user_identity_rejects_bad_input(provider: CloudProvider) -> None:
    with pytest.raises(UpstreamRejected) as err:
        provider.check_user_identity(kind=IdentityKind.MOBILE, value="13911112222")
    assert (err.value.code, err.value.status) == ("CBC.0100", 400)


def test_create_then_list_sub_customer(provider: CloudProvider, sandbox: RunningSandbox) -> None:
    name = unique_name()
    xid = uuid.uuid4().hex
    provider.send_verification_code(mobile="13700001111")
    created = provider.create_sub_customer(
        xaccount_id=xid,
        account_name=name,
        mobile="13700001111",
        verification_code=sandbox.verification_code("13700001111"),
    )
    assert created.account_name == name and len(created.customer_id) == 32
    state = sandbox.inspect()
    assert any(c["domain_id"] == created.customer_id for c in state["sub_customers"])
    assert not provider.check_user_identity(kind=IdentityKind.NAME, value=name).available

    page = provider.list_sub_customers(customer_id=created.customer_id)
    assert page.total == 1
    customer = page.items[0]
    assert (customer.account_name, customer.xaccount_id) == (name, xid)
    assert customer.verified_status is VerifiedStatus.UNVERIFIED
    assert customer.associated_on is not None and not customer.frozen
    assert provider.list_sub_customers(account_name=name[3:]).total == 1


def test_association_completes_after_delay(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    slow = extra_sandbox(association_delay_s=3600)
    provider = provider_for(slow.url)
    created = provider.create_sub_customer(xaccount_id="x1", account_name=unique_name())
    assert provider.list_sub_customers(customer_id=created.customer_id).total == 0
    [row] = slow.inspect()["sub_customers"]
    assert row["association"] == "associating"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"account_name": "taken-name"}, "CBC.99000038"),
        ({"account_name": "op_reserved"}, "CBC.99000031"),
        ({"account_name": "ab"}, "CBC.99000031"),
        ({"mobile": "12345"}, "CBC.5017"),
        ({"password": "short"}, "CBC.99000036"),
        ({"indirect_partner_id": "not-a-reseller"}, "CBC.99000037"),
    ],
)
def test_create_sub_customer_rejections(provider: CloudProvider, kwargs: dict, code: str) -> None:
    args = {"xaccount_id": uuid.uuid4().hex, "account_name": unique_name(), **kwargs}
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(**args)
    assert err.value.code == code and err.value.status == 400


def test_duplicate_xaccount_id_rejected(provider: CloudProvider) -> None:
    xid = uuid.uuid4().hex
    provider.create_sub_customer(xaccount_id=xid, account_name=unique_name())
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(xaccount_id=xid, account_name=unique_name())
    assert err.value.code == "CBC.99000039"


def test_catalogue(provider: CloudProvider) -> None:
    codes = {s.code for s in provider.list_service_types()}
    assert {EC2, EBS, VPC} <= codes
    specs = provider.list_resource_specs(
        service_type=EC2, resource_type=VM, region="cn-east-3", charge_mode=ChargeMode.PERIOD
    )
    by_spec = {s.spec: s for s in specs}
    assert len(specs) == 22 and {"s6.small.1.linux", "m6.2xlarge.8.win"} <= set(by_spec)
    assert (by_spec["c6.xlarge.2.linux"].vcpus, by_spec["c6.xlarge.2.linux"].memory_gib) == (
        4,
        Decimal(8),
    )
    assert all(s.region == "cn-east-3" and s.charge_mode is ChargeMode.PERIOD for s in specs)
    disks = provider.list_resource_specs(
        service_type=EBS, resource_type=VOLUME, region="cn-north-4"
    )
    assert {d.spec for d in disks} == {"SATA", "SAS", "GPSSD", "SSD"}
    with pytest.raises(UpstreamRejected):
        provider.list_resource_specs(service_type=EC2, resource_type=VM, region="mars-1")


def test_on_demand_rating(provider: CloudProvider) -> None:
    rating = provider.rate_on_demand(
        items=[vm("s6.large.2.linux"), vm("s6.large.2.win", key="w"), disk()]
    )
    linux, win = rating.item("vm"), rating.item("w")
    assert rating.currency == "CNY"
    assert win.official > linux.official > 0
    # partner keys: the list price, never a partner discount (PROVIDER.md, "Credentials")
    assert linux.amount == linux.official and linux.discount == 0
    assert rating.official == sum(i.official for i in rating.items)
    assert rating.amount + rating.discount == rating.official
    assert rating.item("disk").official == Decimal("0.05556")  # 40 GB SSD for an hour
    day = provider.rate_on_demand(items=[vm("s6.large.2.linux")], hours=24)
    assert day.official == linux.official * 24


def test_region_factor(provider: CloudProvider) -> None:
    north = provider.rate_on_demand(items=[vm("c6.large.2.linux")]).official
    hk = provider.rate_on_demand(items=[vm("c6.large.2.linux", region="ap-southeast-1")]).official
    assert hk > north


def test_period_rating(provider: CloudProvider) -> None:
    items = [vm("m6.large.8.linux", quantity=2), disk("SAS", 100)]
    month = provider.rate_period(items=items, period=PeriodType.MONTH, count=1)
    year = provider.rate_period(items=items, period=PeriodType.YEAR, count=1)
    three_months = provider.rate_period(items=items, period=PeriodType.MONTH, count=3)
    assert year.official < 12 * month.official
    assert three_months.official == 3 * month.official
    assert month.amount == month.official  # partner keys: the list price
    assert month.item("vm").official == Decimal(600)  # 2 x 300.00 a month
    assert month.item("disk").official == Decimal(35)  # 100 GB SAS x 0.35


def test_bandwidth_and_free_vpc(provider: CloudProvider) -> None:
    def bandwidth(mbit: int) -> RatingItem:
        return RatingItem(
            key="bw",
            service_type=VPC,
            resource_type=BW,
            spec="19_bgp",
            region="cn-north-4",
            size=mbit,
            size_unit=SizeUnit.MBIT_S,
        )

    small = provider.rate_period(items=[bandwidth(5)], period=PeriodType.MONTH).official
    large = provider.rate_period(items=[bandwidth(10)], period=PeriodType.MONTH).official
    assert (small, large) == (Decimal(115), Decimal(515))  # 5 x 23, then 80 per Mbit/s
    ip = RatingItem(key="ip", service_type=VPC, resource_type=IP, spec="5_bgp", region="cn-north-4")
    assert provider.rate_on_demand(items=[ip]).official > 0
    free = RatingItem(
        key="vpc",
        service_type=VPC,
        resource_type="hws.resource.type.vpc",
        spec="vpc",
        region="cn-north-4",
    )
    assert provider.rate_period(items=[free], period=PeriodType.YEAR).amount == 0


@pytest.mark.parametrize(
    ("item", "code"),
    [
        (vm("s9.huge.linux"), "CBC.99006006"),  # 产品未发现 (bcloud_01001 error codes)
        (vm("s6.small.1.linux", region="mars-1"), "CBC.0100"),
        (disk(size=5), "CBC.0100"),
        (
            RatingItem(
                key="d", service_type=EBS, resource_type=VOLUME, spec="SSD", region="cn-north-4"
            ),
            "CBC.0100",
        ),
    ],
)
def test_rating_rejections(provider: CloudProvider, item: RatingItem, code: str) -> None:
    with pytest.raises(UpstreamRejected) as err:
        provider.rate_on_demand(items=[item])
    assert err.value.code == code


def test_period_bounds(provider: CloudProvider) -> None:
    with pytest.raises(UpstreamRejected):
        provider.rate_period(items=[vm("s6.small.1.linux")], period=PeriodType.YEAR, count=4)
