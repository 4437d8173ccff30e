"""Console bridge settings (read by :mod:`storefront.config` at start-up).

``STOREFRONT_CONSOLE_BRIDGE`` turns the feature on (default ``on``; ``off`` in production
with ``STOREFRONT_CLOUD=sandbox``);
``STOREFRONT_SAML_KEY_FILE`` / ``STOREFRONT_SAML_CERT_FILE`` are the IdP's signing pair (PEM;
outside production a development pair is generated under the instance folder when unset, in
production they are required while the bridge is on); ``STOREFRONT_SAML_SP_METADATA_URL`` or
``STOREFRONT_SAML_SP_METADATA_FILE`` name the provider's SP metadata (default
``{auth_host}/authui/saml/metadata.xml``); ``STOREFRONT_CONSOLE_LINK_TTL_S`` (1..60, default
60) is how long a minted link lives; ``STOREFRONT_CONSOLE_EXTRA_HOSTS`` adds console origins
(comma-separated ``https://host``) that ``service`` may point at. Signing needs no program:
the ``xmlsec`` Python binding does it in-process (:mod:`.xmlsig`).

``STOREFRONT_CONSOLE_ROUTE`` picks how the jump logs the customer in: ``saml`` (default; the
storefront is the SAML IdP) or ``iam_broker`` (IAM custom identity broker: temporary
credentials through the customer's agency, a login token, ``authui/federation/login``). The
SAML key pair is only required for the ``saml`` route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MAX_TTL_S = 60
ROUTE_SAML = "saml"
ROUTE_IAM_BROKER = "iam_broker"
ROUTES = (ROUTE_SAML, ROUTE_IAM_BROKER)


@dataclass(frozen=True)
class ConsoleSettings:
    enabled: bool = True
    key_file: Path | None = None
    cert_file: Path | None = None
    sp_metadata_url: str | None = None
    sp_metadata_file: Path | None = None
    link_ttl_s: int = MAX_TTL_S
    extra_hosts: tuple[str, ...] = ()
    route: str = ROUTE_SAML

    @classmethod
    def from_mapping(
        cls, env: Mapping[str, str], production: bool, cloud_is_sandbox: bool = False
    ) -> tuple[ConsoleSettings, list[str]]:
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(f"STOREFRONT_{name}")
            return None if value is None or value.strip() == "" else value.strip()

        # Default: on, except a production deploy against the sandbox (nothing to log into).
        default = "off" if production and cloud_is_sandbox else "on"
        enabled = (get("CONSOLE_BRIDGE") or default).lower() in ("1", "true", "yes", "on")
        route = (get("CONSOLE_ROUTE") or ROUTE_SAML).lower()
        if route not in ROUTES:
            problems.append(f"STOREFRONT_CONSOLE_ROUTE must be one of {', '.join(ROUTES)}")
            route = ROUTE_SAML
        saml = enabled and route == ROUTE_SAML
        key, cert = get("SAML_KEY_FILE"), get("SAML_CERT_FILE")
        if bool(key) != bool(cert):
            problems.append("STOREFRONT_SAML_KEY_FILE and STOREFRONT_SAML_CERT_FILE go together")
        elif saml and production and not key:
            problems.append(
                "STOREFRONT_SAML_KEY_FILE and STOREFRONT_SAML_CERT_FILE (the SAML IdP's signing "
                "key and certificate, PEM) are required in production while the console bridge "
                "is on (STOREFRONT_CONSOLE_BRIDGE=off turns it off)"
            )
        for name, value in (("SAML_KEY_FILE", key), ("SAML_CERT_FILE", cert)):
            if value and enabled and not Path(value).is_file():
                problems.append(f"STOREFRONT_{name} does not name a readable file: {value}")
        ttl_raw = get("CONSOLE_LINK_TTL_S") or str(MAX_TTL_S)
        try:
            ttl = int(ttl_raw)
            if not 1 <= ttl <= MAX_TTL_S:
                raise ValueError
        except ValueError:
            problems.append(f"STOREFRONT_CONSOLE_LINK_TTL_S must be 1..{MAX_TTL_S} seconds")
            ttl = MAX_TTL_S
        hosts: list[str] = []
        for raw in (get("CONSOLE_EXTRA_HOSTS") or "").split(","):
            raw = raw.strip()
            if not raw:
                continue
            parts = urlsplit(raw)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problems.append(f"STOREFRONT_CONSOLE_EXTRA_HOSTS: {raw!r} is not an origin")
                continue
            hosts.append(f"{parts.scheme}://{parts.netloc}".lower())
        metadata_file = get("SAML_SP_METADATA_FILE")
        return (
            cls(
                enabled=enabled,
                key_file=Path(key) if key else None,
                cert_file=Path(cert) if cert else None,
                sp_metadata_url=get("SAML_SP_METADATA_URL"),
                sp_metadata_file=Path(metadata_file) if metadata_file else None,
                link_ttl_s=ttl,
                extra_hosts=tuple(hosts),
                route=route,
            ),
            problems,
        )
