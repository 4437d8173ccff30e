"""Servers a customer can use (#17), through the real client against the sandbox over HTTP:
images, zones and flavours, key pairs, a server bought with its image, login, disks and EIP,
and what it looks like afterwards (status, addresses, disks, EIP; start/stop/reboot)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
import requests

from storefront.cloud.interface import (
    AgencySession,
    CloudProvider,
    DataDisk,
    PeriodType,
    PowerAction,
    PublicIpSpec,
    ResourceKind,
    ResourceRequest,
    UpstreamRejected,
    admin_password_problem,
)
from storefront.cloud.sandbox.testing import RunningSandbox

REGION = "cn-north-4"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    " someone@example"
)


@pytest.fixture
def bought(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> tuple[RunningSandbox, CloudProvider, AgencySession]:
    """A private sandbox whose orders complete at once, and a funded customer's session."""
    sandbox = extra_sandbox(lifecycle={"order_processing_s": 0})
    provider = provider_for(sandbox.url)
    customer = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name="sv-" + uuid.uuid4().hex[:12]
    ).customer_id
    provider.fund_customer(customer_id=customer, amount=Decimal("5000"))
    return sandbox, provider, provider.agency_session(customer_id=customer, region=REGION)


@pytest.fixture
def session(provider: CloudProvider) -> AgencySession:
    made = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name=f"s{uuid.uuid4().hex[:12]}"
    )
    return provider.agency_session(customer_id=made.customer_id, region=REGION)


def _server(token: str, net: object, **parts: object) -> ResourceRequest:
    return ResourceRequest(
        kind=ResourceKind.ECS,
        region=REGION,
        spec="s6.large.2.linux",
        client_token=token,
        name="web-1",
        period=PeriodType.MONTH,
        period_count=1,
        vpc_id=net.vpc_id,
        subnet_id=net.subnet_id,  # type: ignore[attr-defined]
        **parts,  # type: ignore[arg-type]
    )


def test_public_images_of_the_region_with_their_os_and_minimum_disk(
    provider: CloudProvider, session: AgencySession
) -> None:
    images = provider.list_images(session=session)
    assert {i.os_type for i in images} == {"Linux", "Windows"}
    ubuntu = next(i for i in images if i.platform == "Ubuntu")
    assert ubuntu.image_id == f"sandbox-{REGION}-ubuntu-22.04"
    assert ubuntu.min_disk_gb == 40 and ubuntu.os_version
    windows = provider.list_images(session=session, os_type="Windows")
    assert windows and all(i.windows for i in windows)
    # a 1 GiB flavour boots no image that needs 2 GiB or more
    small = provider.list_images(session=session, flavor_id="s6.small.1")
    assert small and all(i.min_ram_mb <= 1024 for i in small)
    assert len(small) < len(images)


def test_zones_and_a_flavour_sold_out_in_one_of_them(
    provider: CloudProvider, session: AgencySession, sandbox: RunningSandbox
) -> None:
    zones = [z.code for z in provider.list_availability_zones(session=session)]
    assert zones == [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
    flavors = {f.flavor_id: f for f in provider.list_flavors(session=session)}
    assert flavors["s6.large.2"].vcpus == 2 and flavors["s6.large.2"].ram_mb == 4096
    big = flavors["m6.2xlarge.8"]
    assert big.sold_in(f"{REGION}a") and not big.sold_in(f"{REGION}c")
    assert big.status_in(f"{REGION}c") == "sellout"


def test_a_generated_key_pair_shows_its_private_key_once(
    provider: CloudProvider, session: AgencySession
) -> None:
    made = provider.create_key_pair(session=session, name="laptop")
    assert made.private_key and made.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert "PRIVATE" not in repr(made)
    imported = provider.create_key_pair(session=session, name="desk", public_key=PUBLIC_KEY)
    assert imported.private_key is None
    assert imported.fingerprint.count(":") == 15
    listed = {k.name: k for k in provider.list_key_pairs(session=session)}
    assert set(listed) == {"laptop", "desk"}
    assert all(k.private_key is None for k in listed.values())
    assert listed["laptop"].fingerprint == made.fingerprint
    with pytest.raises(UpstreamRejected) as taken:
        provider.create_key_pair(session=session, name="desk", public_key=PUBLIC_KEY)
    assert taken.value.status == 409
    provider.delete_key_pair(session=session, name="desk")
    assert [k.name for k in provider.list_key_pairs(session=session)] == ["laptop"]
    with pytest.raises(UpstreamRejected) as bad:
        provider.create_key_pair(session=session, name="bad", public_key="ssh-rsa not-a-key")
    assert bad.value.status == 400


def test_server_with_image_key_pair_disks_and_eip_shows_its_ips_and_disks(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    _sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="srv-net", name="net")
    provider.create_key_pair(session=session, name="laptop", public_key=PUBLIC_KEY)
    made = provider.create_resources(
        session=session,
        request=_server(
            "srv-1",
            net,
            availability_zone=f"{REGION}b",
            system_disk_type="GPSSD",
            system_disk_size=50,
            data_disks=(DataDisk("SSD", 100),),
            public_ip=PublicIpSpec("5_bgp", 5),
            key_name="laptop",
        ),
    )
    assert made.order_id and len(made.resource_ids) == 1
    provider.pay_order(session=session, order_id=made.order_id)
    [server] = provider.show_servers(session=session, server_ids=made.resource_ids)
    assert (server.status, server.state) == ("ACTIVE", "active")
    assert server.availability_zone == f"{REGION}b" and server.key_name == "laptop"
    assert server.image_id == f"sandbox-{REGION}-ubuntu-22.04"
    assert len(server.private_ips) == 1 and len(server.public_ips) == 1
    assert [v.boot for v in server.volumes] == [True, False]
    volumes = {v.volume_id: v for v in provider.list_volumes(session=session)}
    assert {v.status for v in volumes.values()} == {"in-use"}
    boot = next(v for v in volumes.values() if v.bootable)
    assert (boot.size_gb, boot.volume_type, boot.server_id) == (50, "GPSSD", server.server_id)
    [eip] = provider.list_public_ips(session=session)
    assert eip.bound and eip.status == "ACTIVE" and eip.address == server.public_ips[0]
    assert eip.bandwidth_mbit == 5 and eip.private_ip == server.private_ips[0]
    # the order carries the disks and the EIP: the customer was charged for all of them
    [order] = provider.list_customer_orders(customer_id=session.customer_id, order_id=made.order_id)
    assert order.amount > Decimal("112.00")  # the server alone costs 112.00 a month


def test_security_group_opens_ssh_only_when_asked_and_is_reused(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    _sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="sg-net", name="net")
    ssh = provider.ensure_security_group(
        session=session, vpc_id=net.vpc_id, name="sf-ssh", tcp_ports=(22,)
    )
    again = provider.ensure_security_group(
        session=session, vpc_id=net.vpc_id, name="sf-ssh", tcp_ports=(22,)
    )
    closed = provider.ensure_security_group(session=session, vpc_id=net.vpc_id, name="sf-closed")
    assert again == ssh and closed != ssh
    made = provider.create_resources(
        session=session, request=_server("sg-1", net, security_group_ids=(ssh,))
    )
    assert made.resource_ids
    with pytest.raises(UpstreamRejected):
        provider.create_resources(
            session=session, request=_server("sg-2", net, security_group_ids=("nope",))
        )
    rules = _rules(provider, session, net.vpc_id)
    assert rules["sf-ssh"] == {("ingress", "tcp", 22)}
    assert rules["sf-closed"] == set()


def _rules(
    provider: CloudProvider, session: AgencySession, vpc_id: str
) -> dict[str, set[tuple[str, str, int]]]:
    """Each group's port rules, read with the SDK (the interface needs only the ids)."""
    from huaweicloudsdkvpc.v2 import VpcClient
    from huaweicloudsdkvpc.v2 import model as vpc

    client = provider._service_client(VpcClient, "vpc", session)  # type: ignore[attr-defined]
    groups = client.list_security_groups(vpc.ListSecurityGroupsRequest(vpc_id=vpc_id))
    return {
        g.name: {
            (r.direction, r.protocol, r.port_range_min)
            for r in g.security_group_rules
            if r.port_range_min is not None
        }
        for g in groups.security_groups
    }


def test_stop_start_and_reboot_follow_the_documented_transitions(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    _sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="pwr-net", name="net")
    made = provider.create_resources(session=session, request=_server("pwr-1", net))
    assert made.order_id
    provider.pay_order(session=session, order_id=made.order_id)
    ids = made.resource_ids

    def status() -> str:
        return provider.show_servers(session=session, server_ids=ids)[0].status

    provider.change_power(session=session, server_ids=ids, action=PowerAction.STOP)
    assert status() == "SHUTOFF"
    with pytest.raises(UpstreamRejected):  # a stopped server cannot reboot
        provider.change_power(session=session, server_ids=ids, action=PowerAction.REBOOT)
    provider.change_power(session=session, server_ids=ids, action=PowerAction.START)
    assert status() == "ACTIVE"
    provider.change_power(session=session, server_ids=ids, action=PowerAction.REBOOT)
    assert status() == "REBOOT"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short1!", "length"),
        ("alllowercase", "complexity"),
        ("Root1234!x", "user_name"),
        ("Pass word1!", "characters"),
        ("Good-Passw0rd", None),
    ],
)
def test_admin_password_rules(password: str, problem: str | None) -> None:
    assert admin_password_problem(password, windows=False) == problem


def test_password_is_checked_by_the_provider_and_never_kept_or_echoed(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="pw-net", name="net")
    weak = "weakpassword"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UpstreamRejected) as refused:
        provider.create_resources(
            session=session, request=_server("pw-1", net, admin_password=weak)
        )
    assert weak not in str(refused.value) and "adminPass" in str(refused.value)
    good = "Sf-" + uuid.uuid4().hex[:10] + "Q7!"
    request = _server("pw-2", net, admin_password=good)
    assert good not in repr(request)
    made = provider.create_resources(session=session, request=request)
    assert made.resource_ids
    assert good not in caplog.text and weak not in caplog.text
    database = sandbox.state.db.engine.raw_connection()
    try:
        dump = "\n".join(database.iterdump())  # type: ignore[attr-defined]
    finally:
        database.close()
    assert made.resource_ids[0] in dump  # the dump holds the server's rows…
    assert good not in dump and weak not in dump  # …and no password


def test_what_the_provider_refuses_before_it_takes_an_order(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    _sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="no-net", name="net")
    cases = [
        {"spec": "m6.2xlarge.8.linux", "availability_zone": f"{REGION}c"},  # sold out there
        {"availability_zone": f"{REGION}z"},  # no such zone
        {"key_name": "nobody"},  # no such key pair
        {"system_disk_type": "SSD", "system_disk_size": 20},  # below the image's 40 GB
        {"image_ref": f"sandbox-{REGION}-windows-2019-dc", "spec": "s6.small.1.win"},  # 1 GiB
    ]
    for i, case in enumerate(cases):
        request = _server(f"r-{i}", net)
        request = ResourceRequest(**{**_fields(request), **case})  # type: ignore[arg-type]
        with pytest.raises(UpstreamRejected) as refused_one:
            provider.create_resources(session=session, request=request)
        assert refused_one.value.status == 400, case
    assert provider.list_customer_orders(customer_id=session.customer_id) == ()


def _fields(request: ResourceRequest) -> dict[str, object]:
    return {name: getattr(request, name) for name in ResourceRequest.__dataclass_fields__}


def test_console_buttons_move_the_server_through_the_documented_states(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    """Stop / Start / Restart on the sandbox console page, seen through ECS by the client."""
    sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="con-net", name="net")
    made = provider.create_resources(session=session, request=_server("con-1", net))
    assert made.order_id
    provider.pay_order(session=session, order_id=made.order_id)
    server = made.resource_ids[0]
    console = _console(sandbox, provider, session, f"ecs/{REGION}/{server}")

    def press(action: str) -> str:
        console(f"ecs/{REGION}/{server}/{action}")
        return provider.show_servers(session=session, server_ids=[server])[0].status

    assert press("stop") == "SHUTOFF"
    assert press("start") == "ACTIVE"
    assert press("restart") == "REBOOT"
    sandbox._control("POST", "/_sandbox/clock", {"offset_s": 11, "signatures": False})
    try:
        [after] = provider.show_servers(session=session, server_ids=[server])
        assert (after.status, after.state) == ("ACTIVE", "active")
    finally:
        sandbox._control("POST", "/_sandbox/clock", {"offset_s": 0, "signatures": False})


def test_console_attaches_a_disk_and_unbinds_an_eip(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="att-net", name="net")
    made = provider.create_resources(
        session=session, request=_server("att-1", net, public_ip=PublicIpSpec("5_bgp", 2))
    )
    assert made.order_id
    provider.pay_order(session=session, order_id=made.order_id)
    disk = provider.create_resources(
        session=session,
        request=ResourceRequest(
            kind=ResourceKind.EVS,
            region=REGION,
            spec="SSD",
            name="extra",
            size=20,
            client_token="att-disk",
            prepaid=False,
        ),
    ).resource_ids[0]
    [free] = provider.list_volumes(session=session, volume_ids=[disk])
    assert (free.status, free.server_id) == ("available", None)
    [eip] = provider.list_public_ips(session=session)
    assert eip.bound

    server = made.resource_ids[0]
    console = _console(sandbox, provider, session, f"evs/{REGION}/{disk}")
    console(f"evs/{REGION}/{disk}/attach", server_id=server)
    [used] = provider.list_volumes(session=session, volume_ids=[disk])
    assert (used.status, used.server_id, used.device) == ("in-use", server, "/dev/vdb")
    console(f"eip/{REGION}/{eip.eip_id}/unbind")
    [down] = provider.list_public_ips(session=session)
    assert (down.status, down.bound) == ("DOWN", False)
    [shown] = provider.show_servers(session=session, server_ids=[server])
    assert shown.public_ips == () and [v.volume_id for v in shown.volumes] == [disk]


def _console(
    sandbox: RunningSandbox, provider: CloudProvider, session: AgencySession, first: str
) -> Callable[..., None]:
    """Signed in to the sandbox console as the customer (an IAM login token), landing on the
    page ``first``; the answer presses a button: ``press("ecs/<region>/<id>/stop", **form)``."""
    page = f"{sandbox.url}/console/{first}"
    login = provider.console_federation_url(
        customer_id=session.customer_id,
        session_user="tester",
        service=page,
        idp_login_url="https://store.example/login",
    )
    browser = requests.Session()
    browser.trust_env = False
    landed = browser.get(login, timeout=10)
    assert landed.url == page
    csrf = re.search(r'name="csrf" value="([^"]+)"', landed.text)
    assert csrf is not None
    token = csrf.group(1)

    def press(path: str, **form: str) -> None:
        answer = browser.post(
            f"{sandbox.url}/console/{path}", data={"csrf": token, **form}, timeout=10
        )
        assert answer.status_code == 200, answer.text

    return press


def test_disk_and_eip_bought_apart_are_attached_and_bound_by_the_client(
    bought: tuple[RunningSandbox, CloudProvider, AgencySession],
) -> None:
    _sandbox, provider, session = bought
    net = provider.ensure_network(session=session, marker="apart-net", name="net")
    zone = f"{REGION}b"
    made = provider.create_resources(
        session=session, request=_server("apart-1", net, availability_zone=zone)
    )
    assert made.order_id
    provider.pay_order(session=session, order_id=made.order_id)
    server = made.resource_ids[0]

    def disk(token: str, where: str) -> str:
        return provider.create_resources(
            session=session,
            request=ResourceRequest(
                kind=ResourceKind.EVS,
                region=REGION,
                spec="SAS",
                name="d",
                size=30,
                client_token=token,
                prepaid=False,
                availability_zone=where,
            ),
        ).resource_ids[0]

    near, far = disk("apart-d1", zone), disk("apart-d2", f"{REGION}a")
    provider.attach_volume(session=session, server_id=server, volume_id=near)
    with pytest.raises(UpstreamRejected):  # a disk attaches only in its own zone
        provider.attach_volume(session=session, server_id=server, volume_id=far)
    with pytest.raises(UpstreamRejected):  # and only once
        provider.attach_volume(session=session, server_id=server, volume_id=near)
    ip = provider.create_resources(
        session=session,
        request=ResourceRequest(
            kind=ResourceKind.EIP,
            region=REGION,
            spec="5_bgp",
            name="ip",
            size=3,
            client_token="apart-ip",
            prepaid=False,
        ),
    ).resource_ids[0]
    [info] = provider.show_servers(session=session, server_ids=[server])
    assert info.port_id and info.public_ips == ()
    provider.bind_public_ip(session=session, eip_id=ip, port_id=info.port_id)
    [info] = provider.show_servers(session=session, server_ids=[server])
    [eip] = provider.list_public_ips(session=session)
    assert eip.bound and info.public_ips == (eip.address,)
    assert [v.volume_id for v in info.volumes] == [near]
    provider.bind_public_ip(session=session, eip_id=ip, port_id=None)
    assert provider.list_public_ips(session=session)[0].status == "DOWN"
