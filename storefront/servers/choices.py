"""What a server is bought with (#17): at the quote an ECS item's ``image``, ``availability_zone``
and ``system_disk: {type, size_gb}`` (priced as an EVS line of its own, added to the quote); at
the order ``server: {name?, key_pair? | admin_password?}``, checked against the provider in the
customer's project; at provisioning, all of it in the server's create call.

The login password is never stored: it is held in this process's memory (:mod:`handoff`) from
the order request until the create call, and that order is provisioned in the same request
(:func:`provision_now`). A retry later (provider unavailable), or a worker that claimed the job
first, creates the server without it; the resource page then says how to reset the password
in the console."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import worker
from storefront.billing.models import Order, OrderLine
from storefront.catalog.models import Quote
from storefront.cloud.interface import (
    ADMIN_PASSWORD_SPECIALS,
    AgencySession,
    Network,
    ResourceRequest,
    UpstreamRejected,
    admin_password_problem,
)
from storefront.extensions import cloud_provider, db
from storefront.servers import defaults, handoff
from storefront.servers.errors import ServersError
from storefront.servers.models import ServerChoice
from storefront.servers.services import flavor_of, hidden_images, session_for, upstream
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)

# every server of a customer in a region joins one VPC + subnet, made by the first (#17)
NETWORK_MARKER = "sf-default-net"
NETWORK_NAME = "storefront-default"

SERVER_KEYS = ("image", "availability_zone", "system_disk")
DISK_TYPES = ("SATA", "SAS", "SSD", "GPSSD", "ESSD")
IDENT = re.compile(r"[A-Za-z0-9._-]{1,64}")
SERVER_NAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fa5._-]{1,54}")  # ECS: 1-64, with -0001 suffixes


@dataclass(frozen=True)
class Plan:
    position: int
    image_id: str | None
    availability_zone: str | None
    system_disk: tuple[str, int] | None
    disk_position: int | None


# --------------------------------------------------------------------------- the quote


def _check_item(i: int, raw: dict[str, Any], fields: dict[str, str]) -> Plan | None:
    prefix = f"items.{i}"
    if raw.get("product") != "ecs":
        for key in SERVER_KEYS:
            if key in raw:
                fields[f"{prefix}.{key}"] = _("Only for servers.")
        return None
    image, zone, disk = raw.get("image"), raw.get("availability_zone"), raw.get("system_disk")
    if image is not None and (not isinstance(image, str) or not IDENT.fullmatch(image)):
        fields[f"{prefix}.image"] = _("An image id from GET /api/v1/images.")
    if zone is not None and (not isinstance(zone, str) or not IDENT.fullmatch(zone)):
        fields[f"{prefix}.availability_zone"] = _(
            "A zone code from GET /api/v1/availability-zones."
        )
    system_disk = None
    if disk is not None:
        kind = disk.get("type") if isinstance(disk, dict) else None
        size = disk.get("size_gb") if isinstance(disk, dict) else None
        if kind not in DISK_TYPES:
            fields[f"{prefix}.system_disk.type"] = _(
                "One of %(types)s.", types=", ".join(DISK_TYPES)
            )
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1024:
            fields[f"{prefix}.system_disk.size_gb"] = _("A whole number of GB from 1 to 1024.")
        if isinstance(kind, str) and isinstance(size, int):
            system_disk = (kind, size)
    if image is None and zone is None and system_disk is None:
        return None
    return Plan(i, image, zone, system_disk, None)


def expand_quote_body(body: Any) -> tuple[Any, list[Plan]]:
    """Check the server parts of a quote request; each system disk becomes an EVS item at the
    end (priced like the provider prices it). Old bodies come back unchanged."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return body, []
    items: list[Any] = list(body["items"])
    fields: dict[str, str] = {}
    plans: list[Plan] = []
    extra: list[dict[str, Any]] = []
    for i, raw in enumerate(items):
        plan = _check_item(i, raw, fields) if isinstance(raw, dict) else None
        if plan is None:
            continue
        if plan.system_disk is not None:
            kind, size = plan.system_disk
            quantity = raw.get("quantity", 1)
            extra.append({"product": "evs", "spec": kind, "quantity": quantity, "size_gb": size})
            plan = replace(plan, disk_position=len(items) + len(extra) - 1)
        plans.append(plan)
    if fields:
        raise ServersError(_("Some fields need attention."), fields=fields)
    return ({**body, "items": items + extra} if extra else body), plans


def record_quote(quote_id: str, plans: list[Plan]) -> None:
    """Keep the plans of a quote just created (flushes; the caller commits)."""
    for plan in plans:
        kind, size = plan.system_disk or (None, None)
        db.session.add(
            ServerChoice(
                quote_id=quote_id,
                position=plan.position,
                image_id=plan.image_id,
                availability_zone=plan.availability_zone,
                system_disk_type=kind,
                system_disk_size=size,
                disk_position=plan.disk_position,
            )
        )
    db.session.flush()


# --------------------------------------------------------------------------- the order


def choices_of(quote: Quote) -> dict[int, ServerChoice]:
    """What was chosen for a quote's server lines, by line position."""
    return _choices(quote.store_id, quote.id)


def _choices(store_id: int, quote_id: str) -> dict[int, ServerChoice]:
    query = select(ServerChoice).where(ServerChoice.quote_id == quote_id)
    return {c.position: c for c in db.session.scalars(in_store(query, store_id))}


@dataclass(frozen=True)
class Login:
    name: str | None = None
    key_pair: str | None = None
    password: str | None = field(default=None, repr=False)
    remote_login: bool = False
    subnet: str | None = None


def _login(server: Any) -> Login:
    if server is None:
        return Login()
    if not isinstance(server, dict):
        raise ServersError(_("Some fields need attention."), fields={"server": _("An object.")})
    name, key_pair, password = (server.get(k) for k in ("name", "key_pair", "admin_password"))
    remote = server.get("allow_remote_login", False)
    fields: dict[str, str] = {}
    if not isinstance(remote, bool):
        fields["server.allow_remote_login"] = _("true or false.")
    if name is not None and (not isinstance(name, str) or not SERVER_NAME.fullmatch(name)):
        fields["server.name"] = _("1 to 54 letters, digits, hyphens, underscores or dots.")
    if key_pair is not None and (not isinstance(key_pair, str) or not IDENT.fullmatch(key_pair)):
        fields["server.key_pair"] = _("A key pair name from GET /api/v1/key-pairs.")
    if password is not None and not isinstance(password, str):
        fields["server.admin_password"] = _("Text.")
    if key_pair is not None and password is not None:
        fields["server.admin_password"] = _("Give a key pair or a password, not both.")
    subnet = server.get("subnet")
    if subnet is not None and (not isinstance(subnet, str) or not IDENT.fullmatch(subnet)):
        fields["server.subnet"] = _("A subnet id from GET /api/v1/subnets.")
    if fields:
        raise ServersError(_("Some fields need attention."), fields=fields)
    return Login(name, key_pair, password, bool(remote), subnet)


def record_login(customer: Customer, quote_id: object, server: Any) -> None:
    """Check ``server`` and the quote's server parts against the provider, keep the name and key
    pair, hold the password in memory. Flushes; the order commits."""
    login = _login(server)
    key_pair, password = login.key_pair, login.password
    quote = (
        db.session.scalar(in_store(select(Quote).where(Quote.id == quote_id), customer.store_id))
        if isinstance(quote_id, str)
        else None
    )
    if quote is None or quote.customer_id != customer.id:
        return  # ordering it fails with the order's own answer
    servers = [line for line in quote.lines if line.product_code == "ecs"]
    choices = _choices(customer.store_id, quote.id)
    if not servers or (server is None and not choices):
        return
    windows, vpc = _check_at_provider(customer, quote, servers, choices, login)
    if password is not None:
        problem = admin_password_problem(password, windows=windows)
        if problem is not None:
            raise ServersError(
                _("The password does not meet the cloud provider's rules."),
                fields={"server.admin_password": password_rule(problem)},
            )
    for line in servers:
        choice = choices.get(line.position)
        if choice is None:
            choice = ServerChoice(quote_id=quote.id, position=line.position)
            db.session.add(choice)
        choice.server_name, choice.key_pair = login.name, key_pair
        choice.remote_login = login.remote_login
        choice.subnet_id, choice.vpc_id = (login.subnet, vpc) if vpc else (None, None)
    db.session.flush()
    if password is not None:
        handoff.hold(customer.store_id, quote.id, password)


def password_rule(problem: str) -> str:
    """The rule of ECS's ``adminPass`` the password breaks, in words."""
    rules = {
        "length": _("8 to 26 characters."),
        "characters": _("Letters, digits and %(chars)s only.", chars=ADMIN_PASSWORD_SPECIALS),
        "complexity": _("Three of: capitals, small letters, digits, special characters."),
        "user_name": _("Not the user name (root / Administrator) or parts of it."),
    }
    return rules.get(problem, problem)


def _check_at_provider(
    customer: Customer,
    quote: Quote,
    servers: list[Any],
    choices: dict[int, ServerChoice],
    login: Login,
) -> tuple[bool, str | None]:
    """Images, zones, the key pair and the subnet exist for these servers: whether any is
    Windows, and the chosen subnet's VPC."""
    session = session_for(customer, quote.region_code)
    provider = cloud_provider()
    windows, vpc, key_pair = False, None, login.key_pair
    fields: dict[str, str] = {}
    with upstream():
        if login.subnet is not None:
            subnets = {n.subnet_id: n for n in provider.list_subnets(session=session)}
            if login.subnet in subnets:
                vpc = subnets[login.subnet].vpc_id
            else:
                fields["server.subnet"] = _("No such subnet of yours in this region.")
        if key_pair is not None:
            names = {k.name for k in provider.list_key_pairs(session=session)}
            if key_pair not in names:
                fields["server.key_pair"] = _("No such key pair in this region.")
        zones = None
        for line in servers:
            flavor, os_type = flavor_of(line.spec_code)
            windows = windows or os_type == "Windows"
            choice = choices.get(line.position)
            if choice is None:
                continue
            if choice.image_id:
                images = {
                    i.image_id: i for i in provider.list_images(session=session, flavor_id=flavor)
                }
                image = images.get(choice.image_id)
                hidden = choice.image_id in hidden_images(customer.store_id)
                if image is None or hidden or (os_type and image.os_type != os_type):
                    fields[f"items.{line.position}.image"] = _("Not an image this server can boot.")
                elif choice.system_disk_size and choice.system_disk_size < image.min_disk_gb:
                    fields[f"items.{line.position}.system_disk.size_gb"] = _(
                        "At least %(n)d GB for this image.", n=image.min_disk_gb
                    )
            if choice.availability_zone:
                zones = zones or {z.code for z in provider.list_availability_zones(session=session)}
                if choice.availability_zone not in zones:
                    fields[f"items.{line.position}.availability_zone"] = _("No such zone here.")
    if fields:
        raise ServersError(_("Some fields need attention."), fields=fields)
    return windows, vpc


# --------------------------------------------------------------------------- provisioning


def rides_along(order: Order, line: OrderLine) -> bool:
    """Is this line a server's system disk (bought within the server's create call)?"""
    choices = _choices(order.store_id, order.quote_id)
    return any(c.disk_position == line.position for c in choices.values())


def _first_server(order: Order) -> OrderLine | None:
    """The order's first server line (its zone is the zone the order's data disks are made in,
    so they can be attached)."""
    return next((line for line in order.lines if line.product_code == "ecs"), None)


def share_out(
    servers: list[str], disks: list[str], ips: list[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The basket rule (README, quote page): servers, data disks and EIPs each in quote order
    (line by line, each line's resources in the order the provider made them). Data disk *j*
    goes to server *j*, dealt out in turn when there are more disks than servers (disk 3 of 2
    servers goes to server 1); EIP *j* is bound to server *j*, and EIPs beyond the number of
    servers stay unbound. ``(disk, server)`` and ``(eip, server)`` pairs."""
    if not servers:
        return [], []
    attach = [(disk, servers[j % len(servers)]) for j, disk in enumerate(disks)]
    bind = list(zip(ips, servers, strict=False))
    return attach, bind


def apply(order: Order, line: OrderLine, request: ResourceRequest) -> ResourceRequest:
    """The server's create call with what the customer chose; the order's disks are made in
    its first server's zone (so they can be attached)."""
    choices = _choices(order.store_id, order.quote_id)
    if line.product_code == "evs":
        server = _first_server(order)
        zone = (
            choices[server.position].availability_zone
            if server and server.position in choices
            else None
        )
        return replace(request, availability_zone=zone) if zone else request
    if line.product_code != "ecs":
        return request
    image = defaults.default_image(order.store_id, order.region_code, flavor_of(line.spec_code)[1])
    request = replace(request, image_ref=image) if image else request  # the store's default
    choice = choices.get(line.position)
    if choice is None:
        return request
    return replace(
        request,
        name=choice.server_name or request.name,
        image_ref=choice.image_id or request.image_ref,
        availability_zone=choice.availability_zone,
        system_disk_type=choice.system_disk_type,
        system_disk_size=choice.system_disk_size,
        key_name=choice.key_pair,
        admin_password=handoff.peek(order.store_id, order.quote_id),
    )


def secure(
    order: Order, line: OrderLine, request: ResourceRequest, session: AgencySession
) -> ResourceRequest:
    """A server whose customer ticked remote login gets a security group of its VPC that lets
    SSH (22; Windows: RDP, 3389) in from anywhere; otherwise the provider's default group."""
    if line.product_code != "ecs" or not request.vpc_id:
        return request
    choice = _choices(order.store_id, order.quote_id).get(line.position)
    if choice is None or not choice.remote_login:
        return request
    _flavor, os_type = flavor_of(line.spec_code)
    name, port = ("sf-rdp", 3389) if os_type == "Windows" else ("sf-ssh", 22)
    group = cloud_provider().ensure_security_group(
        session=session, vpc_id=request.vpc_id, name=name, tcp_ports=(port,)
    )
    return replace(request, security_group_ids=(group,))


def resource_names(order: Order, line: OrderLine, default: str) -> list[str]:
    """The store's names of a line's resources: a server line's name (the customer's, else
    ``default``) with ``-1``, ``-2`` … when it buys more than one (the provider numbers them its
    own way, ``-0001``…, and :func:`renamed` keeps ours until the customer renames one)."""
    ids = line.provider_resource_ids
    if line.product_code != "ecs":
        return [default] * len(ids)
    choice = _choices(order.store_id, order.quote_id).get(line.position)
    base = choice.server_name if choice is not None and choice.server_name else default
    if len(ids) <= 1:
        return [base] * len(ids)
    return [f"{base}-{k}" for k in range(1, len(ids) + 1)]


NUMBERED = re.compile(r"(.+)-\d+")


def renamed(ours: str, providers: str) -> bool:
    """Is the provider's name of a server a rename by the customer (not the create call's name,
    nor the provider's numbering of it)?"""
    if providers == ours:
        return False
    numbered = NUMBERED.fullmatch(ours)
    base = numbered.group(1) if numbered else ours
    return re.fullmatch(re.escape(base) + r"(-\d{4})?", providers) is None


def chosen_network(order: Order, line: OrderLine) -> Network | None:
    """The customer's own subnet (and VPC) chosen for a server line; None: the default one."""
    choice = _choices(order.store_id, order.quote_id).get(line.position)
    if choice is None or not choice.subnet_id or not choice.vpc_id:
        return None
    return Network(vpc_id=choice.vpc_id, subnet_id=choice.subnet_id)


def created(order: Order) -> None:
    """The server's create call was accepted: forget its password."""
    handoff.forget(order.store_id, order.quote_id)


def connect(order: Order, session: AgencySession) -> None:
    """Attach the order's data disks to its servers and bind its EIPs to them, as
    :func:`share_out` says (each step skipped when done already, so a retry is harmless). A
    refusal is logged, not fatal: the resources are bought; the customer can attach them in the
    console."""
    servers = [
        rid
        for line in order.lines
        if line.product_code == "ecs"
        for rid in line.provider_resource_ids
    ]
    disks = [
        rid
        for line in order.lines
        if line.product_code == "evs" and not rides_along(order, line)
        for rid in line.provider_resource_ids
    ]
    ips = [
        rid
        for line in order.lines
        if line.product_code == "eip"
        for rid in line.provider_resource_ids
    ]
    attach, bind = share_out(servers, disks, ips)
    if not attach and not bind:
        return
    provider = cloud_provider()
    found = {s.server_id: s for s in provider.show_servers(session=session, server_ids=servers)}
    for disk, server_id in attach:
        server = found.get(server_id)
        if server is None or disk in {v.volume_id for v in server.volumes}:
            continue
        try:
            provider.attach_volume(session=session, server_id=server_id, volume_id=disk)
        except UpstreamRejected as exc:
            log.warning("order %s: attaching disk %s to %s: %s", order.id, disk, server_id, exc)
    for eip, server_id in bind:
        server = found.get(server_id)
        if server is None or not server.port_id or server.public_ips:
            continue
        try:
            provider.bind_public_ip(session=session, eip_id=eip, port_id=server.port_id)
        except UpstreamRejected as exc:
            log.warning("order %s: binding EIP %s to %s: %s", order.id, eip, server_id, exc)


def login_from_form(form: Any) -> dict[str, Any] | None:
    """The checkout form's server fields as the API's ``server`` object (None: not shown)."""
    login = form.get("server_login")
    if login is None:
        return None
    server: dict[str, str] = {}
    name = (form.get("server_name") or "").strip()
    if name:
        server["name"] = name
    if login == "key_pair":
        server["key_pair"] = form.get("server_key_pair") or ""
    elif login == "password":
        server["admin_password"] = form.get("server_password") or ""
    result: dict[str, Any] = dict(server)
    result["allow_remote_login"] = form.get("server_remote_login") == "on"
    if form.get("server_subnet"):
        result["subnet"] = form.get("server_subnet")
    return result


def refusal_text(exc: ServersError) -> str:
    """A refusal with its fields' messages, for a page."""
    return " ".join([exc.message, *exc.fields.values()])


def provision_now(store_id: int, quote_id: str, order_id: int) -> None:
    """An order whose server has a login password is provisioned in the request that placed
    it (after its commit), so the password reaches the create call without leaving this
    process; a worker that claimed the job first creates the server without it."""
    if handoff.peek(store_id, quote_id) is None:
        return
    try:
        worker.run_one(key=f"provision:{order_id}")
    except Exception:  # the order is placed and paid: the worker carries on with it
        log.exception("provisioning order %s in its request", order_id)
        db.session.rollback()
    finally:
        handoff.forget(store_id, quote_id)
