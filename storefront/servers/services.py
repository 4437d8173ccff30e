"""What a customer chooses a server from, asked of the provider in the customer's own project
(an agency session): the region's images a flavour can boot, its availability zones, and the
customer's SSH key pairs (KPS). Provider failures become :mod:`storefront.servers.errors`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _

from storefront.accounts.models import Customer, ProviderLink
from storefront.catalog import services as catalog
from storefront.catalog import snapshot
from storefront.cloud.interface import (
    AgencySession,
    AvailabilityZone,
    CloudError,
    Image,
    KeyPair,
    Subnet,
    UpstreamRejected,
)
from storefront.extensions import cloud_provider
from storefront.servers.errors import (
    KeyPairExists,
    NotFound,
    NotLinked,
    ProviderRefused,
    ProviderUnavailable,
    ServersError,
)

KEY_PAIR_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PUBLIC_KEY = 4096
OS_OF_SPEC = {".linux": "Linux", ".win": "Windows"}  # the catalogue's ECS spec suffixes


@contextmanager
def upstream() -> Iterator[None]:
    """Provider trouble as a 503 the client may retry; a refusal the caller did not handle
    itself as a 502 (the provider answered, but not with anything we can use)."""
    try:
        yield
    except UpstreamRejected as exc:
        raise ProviderRefused(_("The cloud provider refused: %(why)s", why=exc.message)) from exc
    except CloudError as exc:
        raise ProviderUnavailable(_("The cloud provider is not available now.")) from exc


# --------------------------------------------------------------------------- inputs


def region_code(region: object) -> str:
    """A region the store sells in, or 422 naming ``region``."""
    visible = [r.code for r in catalog.regions()]
    if (region is None or region == "") and visible:
        return visible[0]
    if not isinstance(region, str) or region not in visible:
        raise ServersError(_("Unknown region."), fields={"region": _("Unknown region.")})
    return region


def server_spec(region: str, spec: object) -> str:
    """An ECS spec the store sells in ``region``, or 422 naming ``spec``."""
    codes = {s.code for s in catalog.specs("ecs", region)}
    if not isinstance(spec, str) or spec not in codes:
        raise ServersError(
            _("Unknown server spec."), fields={"spec": _("Not a server spec of this region.")}
        )
    return spec


def flavor_of(spec: str) -> tuple[str, str | None]:
    """The provider's flavour of a catalogue spec, and the OS its price is for (None: any)."""
    for suffix, os_type in OS_OF_SPEC.items():
        if spec.endswith(suffix):
            return spec.removesuffix(suffix), os_type
    return spec, None


def session_for(customer: Customer, region: str) -> AgencySession:
    """Temporary credentials in the customer's project of ``region``."""
    if customer.provider_link != ProviderLink.LINKED or not customer.provider_customer_id:
        raise NotLinked(_("Your cloud account is not linked yet."))
    with upstream():
        return cloud_provider().agency_session(
            customer_id=customer.provider_customer_id, region=region
        )


# --------------------------------------------------------------------------- images and zones


def hidden_images(store_id: int) -> frozenset[str]:
    """Image ids this store does not offer: hidden items of kind ``image`` (the same table the
    catalogue hides products, regions and specs with; no staff page sets them yet)."""
    return frozenset(code for kind, code in snapshot.store_copy(store_id).hidden if kind == "image")


def images(customer: Customer, region: str, spec: str | None = None) -> list[Image]:
    """The region's public images the store offers; with ``spec``, only those its flavour can
    boot and of the OS the spec is priced for."""
    flavor, os_type = flavor_of(spec) if spec else (None, None)
    session = session_for(customer, region)
    with upstream():
        found = cloud_provider().list_images(session=session, os_type=os_type, flavor_id=flavor)
    hidden = hidden_images(customer.store_id)
    return sorted((i for i in found if i.image_id not in hidden), key=lambda i: (i.os_type, i.name))


def zones(customer: Customer, region: str, spec: str | None = None) -> list[AvailabilityZone]:
    """The region's zones; with ``spec``, only those where its flavour is sold now."""
    session = session_for(customer, region)
    provider = cloud_provider()
    with upstream():
        found = list(provider.list_availability_zones(session=session))
        if spec:
            flavor, _os = flavor_of(spec)
            known = {f.flavor_id: f for f in provider.list_flavors(session=session)}
            if flavor in known:
                found = [z for z in found if known[flavor].sold_in(z.code)]
    return found


def subnets(customer: Customer, region: str) -> list[Subnet]:
    """The customer's own subnets of the region (a server may join one instead of the default
    VPC and subnet the store makes)."""
    session = session_for(customer, region)
    with upstream():
        return sorted(cloud_provider().list_subnets(session=session), key=lambda n: n.name)


# --------------------------------------------------------------------------- key pairs


def key_pairs(customer: Customer, region: str) -> list[KeyPair]:
    session = session_for(customer, region)
    with upstream():
        return sorted(cloud_provider().list_key_pairs(session=session), key=lambda k: k.name)


def check_key_pair(name: object, public_key: object) -> tuple[str, str | None]:
    """A key pair's name and optional public key as the provider accepts them, or 422."""
    fields: dict[str, str] = {}
    if not isinstance(name, str) or not KEY_PAIR_NAME.fullmatch(name):
        fields["name"] = _("1 to 64 letters, digits, hyphens or underscores.")
    if public_key is not None and (
        not isinstance(public_key, str)
        or not public_key.strip()
        or len(public_key) > MAX_PUBLIC_KEY
    ):
        fields["public_key"] = _("An OpenSSH public key (ssh-rsa, ssh-ed25519, …).")
    if fields:
        raise ServersError(_("Check the key pair."), fields=fields)
    assert isinstance(name, str)
    return name, public_key.strip() if isinstance(public_key, str) else None


def create_key_pair(
    customer: Customer, region: str, name: object, public_key: object = None
) -> KeyPair:
    """Import ``public_key`` or generate a pair; a generated private key is only in the answer
    (never stored or logged here)."""
    name, key = check_key_pair(name, public_key)
    session = session_for(customer, region)
    with upstream():
        try:
            return cloud_provider().create_key_pair(session=session, name=name, public_key=key)
        except UpstreamRejected as exc:
            if exc.status == 409:
                raise KeyPairExists(
                    _("A key pair of that name exists."), fields={"name": _("Already taken.")}
                ) from None
            raise ServersError(
                _("The cloud provider refused the key pair."),
                fields={"public_key" if key else "name": exc.message},
            ) from None


def delete_key_pair(customer: Customer, region: str, name: str) -> None:
    if not KEY_PAIR_NAME.fullmatch(name):  # no such name can exist (and ".." is no path)
        raise NotFound(_("No such key pair."))
    session = session_for(customer, region)
    with upstream():
        try:
            cloud_provider().delete_key_pair(session=session, name=name)
        except UpstreamRejected as exc:
            if exc.status != 404:
                raise
            raise NotFound(_("No such key pair.")) from None
